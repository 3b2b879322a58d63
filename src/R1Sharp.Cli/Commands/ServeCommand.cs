// `r1 serve --model DIR [...]`: the OpenAI-compatible server (R1Sharp.Server) on Kestrel until SIGINT / SIGTERM, then a
// graceful shutdown (vLLM / uvicorn): new and queued requests get 503, running ones get --shutdown-grace seconds.
// Flags follow llama.cpp's server (--host, --port, --api-key, --api-key-file, --ctx) and vLLM (--max-batch ≈ max_num_seqs).
using System.CommandLine;
using R1Sharp.Server;

namespace R1Sharp.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var host = new Option<string>("--host") { Description = "Address to bind: an IP address, localhost or a name of this machine; 0.0.0.0 = every interface (default 127.0.0.1: this machine only)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port (default 8080; 0 picks a free one)", DefaultValueFactory = _ => 8080 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on /v1/* and /metrics" };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = "File with accepted API keys, one per line" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Sequences decoded together at most (default 8)", DefaultValueFactory = _ => 8 };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests waiting for a slot at most; more get 429 (default 64)", DefaultValueFactory = _ => 64 };
        var allowedHosts = new Option<string?>("--allowed-hosts")
        {
            Description = "Comma-separated Host header names accepted besides localhost, IP addresses and --host ('*' = any; DNS-rebinding protection)",
        };
        var ctx = new Option<int?>("--ctx") { Description = "Context length in tokens (default: the model's max_position_embeddings)" };
        var maxPromptChars = new Option<int?>("--max-prompt-chars")
        {
            Description = $"Characters the messages of one request may hold, checked before tokenizing (default: ctx × {ServerOptions.PromptCharsPerToken})",
        };
        var parseSpecial = new Option<bool>("--parse-special-in-content")
        {
            Description = "Tokenize special-token text typed in messages (<｜Assistant｜>, </think>) as the special tokens; lets clients forge turns (trusted clients only)",
        };
        var grace = new Option<double>("--shutdown-grace")
        {
            Description = "Seconds running requests may take to finish after SIGINT/SIGTERM before they end with an error (default 10)",
            DefaultValueFactory = _ => 10,
        };
        var chatTemplate = CommonOptions.ChatTemplateName();
        var dtype = CommonOptions.WeightDType();
        var adapter = CommonOptions.Adapter();
        // Slows decoding for demos and process-level tests that need a generation still running; hidden from --help.
        var stepDelay = new Option<int>("--step-delay-ms") { Description = "Pause before every decode step, in ms (demos, tests)", Hidden = true };
        var command = new Command("serve", "Serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions) with a chat page at /")
        {
            model, host, port, allowedHosts, apiKey, apiKeyFile, maxBatch, maxQueue, ctx, maxPromptChars, parseSpecial, grace, chatTemplate, dtype, adapter, stepDelay,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(apiKey) is not null && r.GetValue(apiKeyFile) is not null) r.AddError("give --api-key or --api-key-file, not both");
        });
        // Synchronous action: System.CommandLine then installs no signal handler of its own (that one ends the process
        // 2 s after Ctrl+C, while the scheduler thread may still be inside libtorch).
        CliAction.SetHandlingCtrlC(command, parse =>
        {
            var load = CommonOptions.LoadOptions(parse, dtype, adapter);
            string argument = parse.GetRequiredValue(model);
            string dir = CommonOptions.ResolveModel(parse, model);
            double graceSeconds = parse.GetValue(grace);
            if (!double.IsFinite(graceSeconds) || graceSeconds is < 0 or > 86_400)
                throw new R1SharpException($"--shutdown-grace must be in 0..86400 seconds, got {graceSeconds}");
            var options = new ServerOptions
            {
                ModelId = Directory.Exists(argument) ? Path.GetFileName(Path.GetFullPath(argument).TrimEnd('/')) : argument,
                Host = parse.GetRequiredValue(host),
                Port = parse.GetValue(port),
                AllowedHosts = (parse.GetValue(allowedHosts) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                ApiKeys = Keys(parse.GetValue(apiKey), parse.GetValue(apiKeyFile)),
                MaxBatch = parse.GetValue(maxBatch),
                MaxQueue = parse.GetValue(maxQueue),
                ContextLength = parse.GetValue(ctx),
                MaxPromptChars = parse.GetValue(maxPromptChars),
                ParseSpecialInContent = parse.GetValue(parseSpecial),
                ShutdownGrace = TimeSpan.FromSeconds(graceSeconds),
                ChatTemplate = parse.GetValue(chatTemplate),
                StepDelay = TimeSpan.FromMilliseconds(parse.GetValue(stepDelay)),
            }.Validate();
            return ServeAsync(dir, options, load).GetAwaiter().GetResult();
        });
        return command;
    }

    // Signals are caught before the model loads, so even an early Ctrl+C ends through the graceful path.
    static async Task<int> ServeAsync(string dir, ServerOptions options, Models.ModelLoadOptions load)
    {
        var address = ServerBinding.ResolveHost(options.Host); // a bad --host fails before the model loads
        using var signals = new ShutdownSignals();
        await using var server = R1Server.Load(dir, options, load: load);
        await server.StartAsync();
        if (ServerBinding.IsBeyondLoopback(address) && options.ApiKeys.Count == 0)
            Console.Error.WriteLine($"warning: listening on {server.Address} (reachable from other machines) with no API key: " +
                "anyone who can reach it can run the model; pass --api-key or --api-key-file, or --host 127.0.0.1");
        Console.Out.WriteLine($"serving {options.ModelId} on {server.Address} (batch {options.MaxBatch}, queue {options.MaxQueue}, ctx {server.Scheduler.ContextLength}" +
            $"{(options.ApiKeys.Count > 0 ? ", API key required" : "")}); Ctrl+C to stop");
        Console.Out.Flush();
        var signal = await signals.Requested;
        Console.Out.WriteLine($"{ShutdownSignals.Name(signal)}: shutting down; {server.Scheduler.RunningSequences} running sequence(s) get " +
            $"{options.ShutdownGrace.TotalSeconds:0.###} s to finish (signal again to stop now)");
        Console.Out.Flush();
        await server.ShutdownAsync(signals.Forced);
        Console.Out.WriteLine("stopped");
        return 0;
    }

    static IReadOnlyList<string> Keys(string? key, string? file)
    {
        if (key is not null) return [key];
        if (file is null) return [];
        var keys = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        return keys.Length > 0 ? keys : throw new R1SharpException($"{file}: no API key in the file; write one key per line");
    }
}
