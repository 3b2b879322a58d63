// `r1 pull ORG/NAME [--revision REV] [--include GLOB…] [--exclude GLOB…]`: snapshot_download into the
// huggingface_hub cache (HF_ENDPOINT, HF_TOKEN, HF_HOME/HF_HUB_CACHE, HF_HUB_OFFLINE), with progress.
using System.CommandLine;
using R1Sharp.Hub;
using Spectre.Console;

namespace R1Sharp.Cli.Commands;

internal static class PullCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Hugging Face model repo, ORG/NAME" };
        var revision = new Option<string?>("--revision") { Description = "Branch, tag or commit sha (default: main)" };
        var include = new Option<string[]>("--include") { Description = "Only files matching these globs (fnmatch; a trailing / means a folder)", AllowMultipleArgumentsPerToken = true };
        var exclude = new Option<string[]>("--exclude") { Description = "Skip files matching these globs", AllowMultipleArgumentsPerToken = true };
        var command = new Command("pull", "Download a model repo from the Hugging Face hub into the shared cache") { repo, revision, include, exclude };
        CliAction.Set(command, async (parse, token) =>
        {
            using var client = new HubClient(HubSettings.FromEnvironment());
            string id = parse.GetRequiredValue(repo);
            string? rev = parse.GetValue(revision);
            string[] inc = parse.GetValue(include) ?? [], exc = parse.GetValue(exclude) ?? [];
            var result = await PullAsync(client, id, rev, inc, exc, token);
            Console.Out.WriteLine($"{result.Files.Count} files, {InspectCommand.HumanBytes(result.Bytes)} ({InspectCommand.HumanBytes(result.DownloadedBytes)} downloaded): {result.SnapshotDir}");
            return 0;
        });
        return command;
    }

    /// <summary>Pulls with progress bars on a terminal, plain lines elsewhere (shared with the verbs that pull on first use).</summary>
    internal static Task<HubPullResult> PullAsync(HubClient client, string id, string? rev, string[] inc, string[] exc, CancellationToken token) =>
        Interactive
            ? WithProgressBars(p => client.PullAsync(id, rev, inc, exc, p, token))
            : client.PullAsync(id, rev, inc, exc, new PlainProgress(), token);

    // Spectre's live progress prints nothing off a terminal (DESIGN.md "Platform facts"): plain lines there.
    static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    static Task<HubPullResult> WithProgressBars(Func<IProgress<HubProgress>, Task<HubPullResult>> pull) =>
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(ctx => pull(new BarProgress(ctx)));

    // One bar for the whole pull and one per file being fetched; Spectre's tasks are thread-safe.
    sealed class BarProgress(ProgressContext ctx) : IProgress<HubProgress>
    {
        readonly Dictionary<string, ProgressTask> _files = [];
        ProgressTask? _total;

        public void Report(HubProgress p)
        {
            lock (_files)
            {
                _total ??= ctx.AddTask("[bold]total[/]", maxValue: Math.Max(1, p.TotalSize));
                _total.MaxValue = Math.Max(1, p.TotalSize);
                _total.Value = p.TotalBytes;
                if (!_files.TryGetValue(p.File, out var task))
                {
                    if (p.FileDone) return; // already cached: counted in the total, no bar of its own
                    task = _files[p.File] = ctx.AddTask(Markup.Escape(p.File), maxValue: Math.Max(1, p.FileSize));
                }
                task.Value = p.FileBytes;
                if (p.FileDone) task.StopTask();
            }
        }
    }

    // A line per finished file and one per 10% of the total: fine in CI logs and pipes.
    sealed class PlainProgress : IProgress<HubProgress>
    {
        long _nextTotal;

        public void Report(HubProgress p)
        {
            lock (this)
            {
                if (p.FileDone) Console.Error.WriteLine($"{p.File}: {InspectCommand.HumanBytes(p.FileSize)}");
                if (p.TotalBytes < _nextTotal || p.TotalSize == 0) return;
                _nextTotal = p.TotalBytes + Math.Max(1, p.TotalSize / 10);
                Console.Error.WriteLine($"total {InspectCommand.HumanBytes(p.TotalBytes)} / {InspectCommand.HumanBytes(p.TotalSize)}");
            }
        }
    }
}
