// `r1 run --model DIR --prompt TEXT [...]`: one chat turn through the model's chat template, streamed (thinking
// dimmed on a terminal) or as one JSON object; plus the sampling options `r1 chat` shares.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using R1Sharp.Diagnostics;
using R1Sharp.Generation;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Cli.Commands;

/// <summary>Sampling and limit options shared by `run` and `chat`; unset ones keep generation_config.json's defaults.</summary>
internal sealed class SamplingCliOptions
{
    public readonly Option<int?> MaxTokens = new("--max-tokens") { Description = "Most new tokens per answer (default: generation_config max_new_tokens or 512)" };
    public readonly Option<float?> Temperature = new("--temperature") { Description = "Sampling temperature, 0 = greedy (default: generation_config, R1: 0.6)" };
    public readonly Option<float?> TopP = new("--top-p") { Description = "Nucleus mass in (0, 1] (default: generation_config, R1: 0.95)" };
    public readonly Option<int?> TopK = new("--top-k") { Description = "Keep the K most likely tokens, 0 = off" };
    public readonly Option<ulong?> Seed = new("--seed") { Description = "Random seed (reproducible output)" };
    public readonly Option<int?> ThinkBudget = new("--think-budget") { Description = "Reasoning tokens before </think> is forced (default: unlimited)" };
    public readonly Option<int?> Context = new("--ctx") { Description = "Context length in tokens (default: the model's max_position_embeddings)" };
    public readonly Option<bool> HideThinking = new("--hide-thinking") { Description = "Do not print the reasoning" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { MaxTokens, Temperature, TopP, TopK, Seed, ThinkBudget, Context, HideThinking })
            command.Options.Add(option);
    }

    /// <summary>The generator's defaults with the given options applied (validated).</summary>
    public GenerationOptions Resolve(ParseResult parse, TextGenerator generator, IChatTemplate template)
    {
        var options = generator.DefaultOptions();
        var sampler = options.Sampler;
        if (parse.GetValue(Temperature) is { } t) sampler = sampler with { Temperature = t };
        if (parse.GetValue(TopP) is { } p) sampler = sampler with { TopP = p };
        if (parse.GetValue(TopK) is { } k) sampler = sampler with { TopK = k };
        options = options with
        {
            Sampler = sampler,
            MaxNewTokens = parse.GetValue(MaxTokens) ?? options.MaxNewTokens,
            Seed = parse.GetValue(Seed),
            ThinkingBudget = parse.GetValue(ThinkBudget),
            ContextLength = parse.GetValue(Context),
            StopStrings = template.StopStrings,
        };
        return options.Validate();
    }
}

/// <summary>Prints one streamed answer: reasoning dimmed (ANSI only on a terminal), then the content; control characters
/// the model writes are shown escaped (<see cref="Visible"/>), so a model cannot drive the terminal.</summary>
internal sealed class AnswerPrinter(bool hideThinking)
{
    private static readonly bool s_ansi = !Console.IsOutputRedirected;
    private bool _inReasoning, _wroteAny;

    public void Write(GenerationDelta delta)
    {
        if (delta.Reasoning.Length > 0 && !hideThinking)
        {
            if (!_inReasoning && s_ansi) Console.Out.Write("\u001b[2m");
            _inReasoning = true;
            Console.Out.Write(Visible(delta.Reasoning));
            _wroteAny = true;
        }
        if (delta.Content.Length > 0)
        {
            EndReasoning();
            Console.Out.Write(Visible(delta.Content));
            _wroteAny = true;
        }
        Console.Out.Flush();
    }

    public void Finish()
    {
        EndReasoning();
        if (_wroteAny) Console.Out.WriteLine();
        Console.Out.Flush();
    }

    private void EndReasoning()
    {
        if (!_inReasoning) return;
        _inReasoning = false;
        if (s_ansi) Console.Out.Write("\u001b[0m");
        Console.Out.WriteLine();
    }

    /// <summary>
    /// Model text safe for a terminal: newlines and tabs as they are, every other C0/C1 control character and DEL as
    /// <c>\xHH</c> (an ESC would start a terminal escape sequence, a CR overwrite the line).
    /// </summary>
    public static string Visible(string text)
    {
        if (!text.Any(IsControl)) return text;
        var sb = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
            if (IsControl(c)) sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            else sb.Append(c);
        return sb.ToString();

        static bool IsControl(char c) => c is not ('\n' or '\t') && char.IsControl(c);
    }

    /// <summary>"prompt N tokens, generated M (R reasoning) in S s, X tokens/s, finish F".</summary>
    public static string Stats(GenerationResult r, TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"prompt {r.Usage.PromptTokens} tokens, generated {r.Usage.CompletionTokens} ({r.Usage.ReasoningTokens} reasoning) in {elapsed.TotalSeconds:0.00} s, " +
        $"{r.Usage.CompletionTokens / Math.Max(elapsed.TotalSeconds, 1e-9):0.0} tokens/s, finish {r.FinishReason.ToApiString()}");
}

internal static class RunCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var prompt = new Option<string>("--prompt", "-p") { Description = "The user message", Required = true };
        var system = new Option<string?>("--system") { Description = "A system prompt" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {reasoning, content, finish_reason, usage, timings} instead of streaming" };
        var ignoreEos = new Option<bool>("--ignore-eos") { Description = "Never sample EOS (and no loop guard): generate exactly --max-tokens, for speed benchmarks (llama.cpp --ignore-eos)" };
        var chatTemplate = CommonOptions.ChatTemplateName();
        var dtype = CommonOptions.WeightDType();
        var adapter = CommonOptions.Adapter();
        var sampling = new SamplingCliOptions();
        var command = new Command("run", "Answer one prompt with a model (chat template, streamed thinking then answer)") { model, prompt, system, json, ignoreEos, chatTemplate, dtype, adapter };
        sampling.AddTo(command);
        CliAction.Set(command, (parse, token) =>
        {
            var load = CommonOptions.LoadOptions(parse, dtype, adapter);
            string dir = CommonOptions.ResolveModel(parse, model);
            using var generator = TextGenerator.Load(dir, load);
            var template = ChatTemplate.ForModel(dir, parse.GetValue(chatTemplate));
            var messages = new List<ChatTurn>();
            if (parse.GetValue(system) is { } s) messages.Add(ChatTurn.System(s));
            messages.Add(ChatTurn.User(parse.GetRequiredValue(prompt)));
            var options = sampling.Resolve(parse, generator, template) with { IgnoreEos = parse.GetValue(ignoreEos) };
            var request = Request(generator, template, messages);
            bool asJson = parse.GetValue(json);
            var printer = new AnswerPrinter(parse.GetValue(sampling.HideThinking));
            // R1_PROFILE=1: split the decode steps into phases (matvec, attention, norm+rope, lm_head, sampler, other) on stderr.
            var profiler = PhaseProfiler.FromEnvironment();
            var clock = Stopwatch.StartNew();
            GenerationResult result;
            using (profiler?.Activate())
                result = generator.Generate(request, options, asJson ? null : printer.Write, token);
            clock.Stop();
            if (profiler is not null) Console.Error.WriteLine(profiler.Report());
            if (asJson)
            {
                Console.Out.WriteLine(ToJson(result));
                return 0;
            }
            printer.Finish();
            Console.Error.WriteLine(AnswerPrinter.Stats(result, clock.Elapsed));
            return result.FinishReason == FinishReason.Cancelled ? R1Cli.Interrupted : 0;
        });
        return command;
    }

    /// <summary>Renders the conversation with the generation prompt and tokenizes it (the template writes BOS itself).</summary>
    internal static GenerationRequest Request(TextGenerator generator, IChatTemplate template, IReadOnlyList<ChatTurn> messages) =>
        GenerationRequest.ForChat(generator.Tokenizer, template, messages);

    internal static string ToJson(GenerationResult r) => new JsonObject
    {
        ["reasoning"] = r.Reasoning,
        ["content"] = r.Content,
        ["finish_reason"] = r.FinishReason.ToApiString(),
        ["usage"] = new JsonObject
        {
            ["prompt_tokens"] = r.Usage.PromptTokens,
            ["completion_tokens"] = r.Usage.CompletionTokens,
            ["reasoning_tokens"] = r.Usage.ReasoningTokens,
        },
        ["timings"] = r.Timings is { } t ? TimingsJson(t) : null,
    }.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>llama-server's <c>timings</c> object (same names and meaning; see <see cref="GenerationTimings"/>).</summary>
    internal static JsonObject TimingsJson(GenerationTimings t) => new()
    {
        ["prompt_n"] = t.PromptTokens,
        ["prompt_ms"] = t.PromptMs,
        ["prompt_per_token_ms"] = t.PromptPerTokenMs,
        ["prompt_per_second"] = t.PromptPerSecond,
        ["predicted_n"] = t.PredictedTokens,
        ["predicted_ms"] = t.PredictedMs,
        ["predicted_per_token_ms"] = t.PredictedPerTokenMs,
        ["predicted_per_second"] = t.PredictedPerSecond,
    };
}
