// `r1 serve --model DIR [...]`: the OpenAI-compatible server (R1Sharp.Server) on Kestrel until Ctrl+C / SIGTERM.
// Flags follow llama.cpp's server (--host, --port, --api-key, --api-key-file, --ctx) and vLLM (--max-batch ≈ max_num_seqs).
using System.CommandLine;
using R1Sharp.Server;

namespace R1Sharp.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var host = new Option<string>("--host") { Description = "Address to bind (default 127.0.0.1: this machine only)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port (default 8080; 0 picks a free one)", DefaultValueFactory = _ => 8080 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on /v1/* and /metrics" };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = "File with accepted API keys, one per line" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Sequences decoded together at most (default 8)", DefaultValueFactory = _ => 8 };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests waiting for a slot at most; more get 429 (default 64)", DefaultValueFactory = _ => 64 };
        var ctx = new Option<int?>("--ctx") { Description = "Context length in tokens (default: the model's max_position_embeddings)" };
        var chatTemplate = CommonOptions.ChatTemplateName();
        var command = new Command("serve", "Serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions) with a chat page at /")
        {
            model, host, port, apiKey, apiKeyFile, maxBatch, maxQueue, ctx, chatTemplate,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(apiKey) is not null && r.GetValue(apiKeyFile) is not null) r.AddError("give --api-key or --api-key-file, not both");
        });
        CliAction.Set(command, async (parse, token) =>
        {
            string argument = parse.GetRequiredValue(model);
            string dir = CommonOptions.ResolveModel(parse, model);
            var options = new ServerOptions
            {
                ModelId = Directory.Exists(argument) ? Path.GetFileName(Path.GetFullPath(argument).TrimEnd('/')) : argument,
                Host = parse.GetRequiredValue(host),
                Port = parse.GetValue(port),
                ApiKeys = Keys(parse.GetValue(apiKey), parse.GetValue(apiKeyFile)),
                MaxBatch = parse.GetValue(maxBatch),
                MaxQueue = parse.GetValue(maxQueue),
                ContextLength = parse.GetValue(ctx),
                ChatTemplate = parse.GetValue(chatTemplate),
            }.Validate();
            await using var server = R1Server.Load(dir, options);
            await server.StartAsync(token);
            Console.Out.WriteLine($"serving {options.ModelId} on {server.Address} (batch {options.MaxBatch}, queue {options.MaxQueue}, ctx {server.Scheduler.ContextLength}" +
                $"{(options.ApiKeys.Count > 0 ? ", API key required" : "")}); Ctrl+C to stop");
            Console.Out.Flush();
            await server.WaitForShutdownAsync(token);
            return 0;
        });
        return command;
    }

    static IReadOnlyList<string> Keys(string? key, string? file)
    {
        if (key is not null) return [key];
        if (file is null) return [];
        var keys = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        return keys.Length > 0 ? keys : throw new R1SharpException($"{file}: no API key in the file; write one key per line");
    }
}
