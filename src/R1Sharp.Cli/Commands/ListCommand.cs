// `r1 list`: the model repos in the huggingface_hub cache (HF_HUB_CACHE), as a table (tab-separated off a terminal).
using System.CommandLine;
using R1Sharp.Hub;
using Spectre.Console;

namespace R1Sharp.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List the model repos in the Hugging Face cache");
        CliAction.Set(command, (parse, _) =>
        {
            var cache = HubCache.FromEnvironment();
            var repos = cache.List();
            if (repos.Count == 0)
            {
                Console.Out.WriteLine($"no models cached in {cache.CacheDir} (fetch one with `r1 pull ORG/NAME`)");
                return 0;
            }
            if (Console.IsOutputRedirected)
            {
                // Off a terminal a table would wrap at 80 columns: tab-separated lines suit pipes and scripts.
                Console.Out.WriteLine("repo\trevisions\tsnapshots\tsize\tpath");
                foreach (var r in repos)
                    Console.Out.WriteLine($"{r.RepoId}\t{Revisions(r)}\t{r.SnapshotCount}\t{InspectCommand.HumanBytes(r.SizeOnDisk)}\t{r.RepoDir}");
                return 0;
            }
            var table = new Table().AddColumns("repo", "revisions", "snapshots", "size", "path");
            foreach (var r in repos)
                table.AddRow(Markup.Escape(r.RepoId), Markup.Escape(Revisions(r)), r.SnapshotCount.ToString(),
                    InspectCommand.HumanBytes(r.SizeOnDisk), Markup.Escape(r.RepoDir));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    // "main (1a2b3c4), v2 (5d6e7f8)": refs with short commits, or bare commits with no ref.
    static string Revisions(CachedRepo repo) => string.Join(", ", repo.Revisions.Select(v =>
        v.Refs.Count == 0 ? v.Commit[..Math.Min(7, v.Commit.Length)] : $"{string.Join("/", v.Refs)} ({v.Commit[..Math.Min(7, v.Commit.Length)]})"));
}
