// `r1 rm ORG/NAME [--revision REV]`: delete a cached repo, or one revision and the blobs only it used.
using System.CommandLine;
using R1Sharp.Hub;

namespace R1Sharp.Cli.Commands;

internal static class RmCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Cached model repo, ORG/NAME" };
        var revision = new Option<string?>("--revision") { Description = "Remove only this revision (branch, tag or commit sha)" };
        var command = new Command("rm", "Remove a model repo (or one revision) from the Hugging Face cache") { repo, revision };
        CliAction.Set(command, (parse, _) =>
        {
            var removal = HubCache.FromEnvironment().Remove(parse.GetRequiredValue(repo), parse.GetValue(revision));
            Console.Out.WriteLine($"removed {removal.RepoId}: {removal.Commits.Count} revision(s), {removal.BlobsDeleted} blob(s), {InspectCommand.HumanBytes(removal.BytesFreed)} freed");
            return 0;
        });
        return command;
    }
}
