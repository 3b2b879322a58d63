// `r1 chat --model DIR [sampling options]`: an interactive multi-turn loop over stdin lines (works piped too).
// History keeps the answers without their thinking (R1 templates strip it anyway; SERVING.md §1).
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using R1Sharp.Generation;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Cli.Commands;

internal static class ChatCommand
{
    const string Help = "commands: /reset (forget the conversation), /think-budget N|off, /exit";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var system = new Option<string?>("--system") { Description = "A system prompt" };
        var chatTemplate = CommonOptions.ChatTemplateName();
        var dtype = CommonOptions.WeightDType();
        var adapter = CommonOptions.Adapter();
        var sampling = new SamplingCliOptions();
        var command = new Command("chat", "Chat with a model on stdin (" + Help + "); Ctrl+C stops the current answer") { model, system, chatTemplate, dtype, adapter };
        sampling.AddTo(command);
        CliAction.SetHandlingCtrlC(command, parse => Run(parse, model, system, chatTemplate, dtype, adapter, sampling));
        return command;
    }

    static int Run(ParseResult parse, Option<string> model, Option<string?> system, Option<string> chatTemplate, Option<string?> dtype, Option<string?> adapter,
        SamplingCliOptions sampling)
    {
        var load = CommonOptions.LoadOptions(parse, dtype, adapter);
        string dir = CommonOptions.ResolveModel(parse, model);
        using var generator = TextGenerator.Load(dir, load);
        var template = ChatTemplate.ForModel(dir, parse.GetValue(chatTemplate));
        var options = sampling.Resolve(parse, generator, template);
        bool hide = parse.GetValue(sampling.HideThinking);
        var history = new List<ChatTurn>();
        if (parse.GetValue(system) is { } s) history.Add(ChatTurn.System(s));
        int systemCount = history.Count;
        bool interactive = !Console.IsInputRedirected;
        if (interactive) Console.Error.WriteLine(Help);

        CancellationTokenSource? answer = null;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            var current = answer;
            if (current is null) return;     // between answers Ctrl+C ends the program as usual
            e.Cancel = true;
            current.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            while (true)
            {
                if (interactive) Console.Error.Write("> ");
                string? line = Console.In.ReadLine();
                if (line is null) break;
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line == "/exit") break;
                if (line == "/reset") { history.RemoveRange(systemCount, history.Count - systemCount); Console.Error.WriteLine("(conversation reset)"); continue; }
                if (line.StartsWith("/think-budget", StringComparison.Ordinal)) { options = SetBudget(options, line); continue; }
                if (line.StartsWith('/')) { Console.Error.WriteLine($"unknown command {line}; {Help}"); continue; }

                history.Add(ChatTurn.User(line));
                var request = RunCommand.Request(generator, template, history);
                var printer = new AnswerPrinter(hide);
                answer = new CancellationTokenSource();
                var clock = Stopwatch.StartNew();
                GenerationResult result;
                try { result = generator.Generate(request, options, printer.Write, answer.Token); }
                catch (R1SharpException e)
                {
                    // A turn that no longer fits the context: report it and keep the program running.
                    history.RemoveAt(history.Count - 1);
                    Console.Error.WriteLine($"error: {e.Message}");
                    continue;
                }
                finally { Interlocked.Exchange(ref answer, null)?.Dispose(); }
                printer.Finish();
                Console.Error.WriteLine(AnswerPrinter.Stats(result, clock.Elapsed));
                history.Add(ChatTurn.Assistant(result.Content, result.Reasoning));
            }
        }
        finally { Console.CancelKeyPress -= onCancel; }
        return 0;
    }

    static GenerationOptions SetBudget(GenerationOptions options, string line)
    {
        string arg = line["/think-budget".Length..].Trim();
        if (arg is "off" or "none")
        {
            Console.Error.WriteLine("(thinking budget off)");
            return options with { ThinkingBudget = null };
        }
        if (!int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            Console.Error.WriteLine("usage: /think-budget N (tokens >= 0) or /think-budget off");
            return options;
        }
        Console.Error.WriteLine($"(thinking budget {n} tokens)");
        return options with { ThinkingBudget = n };
    }
}
