// The `r1` command tree: one explicit name → command map (litgpt habit); user errors print one line
// and exit 2, with the stack trace only under --verbose.
using System.CommandLine;
using R1Sharp.Cli.Commands;

namespace R1Sharp.Cli;

public static class R1Cli
{
    /// <summary>Exit code for errors caused by the user's input (files, fields, options).</summary>
    public const int UsageError = 2;
    /// <summary>Exit code for an interrupted run (Ctrl+C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>Global: print stack traces for errors.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print stack traces for errors",
        Recursive = true,
    };

    /// <summary>Global: never download; a hub model missing from the cache is an error (as HF_HUB_OFFLINE=1).</summary>
    public static readonly Option<bool> Offline = new("--offline")
    {
        Description = "Never download: a hub model (ORG/NAME) missing from the cache is an error instead of being pulled (as HF_HUB_OFFLINE=1)",
        Recursive = true,
    };

    /// <summary>Every verb of `r1`, by name. A test checks that the parser has exactly these.</summary>
    public static IReadOnlyDictionary<string, Func<Command>> Verbs { get; } = new Dictionary<string, Func<Command>>
    {
        ["inspect"] = InspectCommand.Create,
        ["tokenize"] = TokenizeCommand.Create,
        ["train-tokenizer"] = TrainTokenizerCommand.Create,
        ["new-model"] = NewModelCommand.Create,
        ["run"] = RunCommand.Create,
        ["chat"] = ChatCommand.Create,
        ["perplexity"] = PerplexityCommand.Create,
        ["export-gguf"] = ExportGgufCommand.Create,
        ["pull"] = PullCommand.Create,
        ["list"] = ListCommand.Create,
        ["rm"] = RmCommand.Create,
        ["train"] = TrainCommand.Create,
        ["serve"] = ServeCommand.Create,
        ["pretrain"] = PretrainCommand.Create,
        ["zero"] = ZeroCommand.Create,
        ["merge-lora"] = MergeLoraCommand.Create,
        ["eval"] = EvalCommand.Create,
        ["distill"] = DistillCommand.Create,
        ["recipe"] = RecipeCommand.Create,
    };

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("R1Sharp: DeepSeek-R1 models, training and serving in .NET");
        root.Options.Add(Verbose);
        root.Options.Add(Offline);
        foreach (var create in Verbs.Values) root.Subcommands.Add(create());
        ConfigKeysHelp.Attach(root);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run 'r1 --help' for usage.");
            return UsageError;
        }
        return await parse.InvokeAsync();
    }
}
