// A fresh console app outside the repository that references src/R1Sharp as a project (issue #13: it used to crash
// at the first tensor on Debian 12): a ProjectReference brings no build step, so R1Sharp patches the app's copy of
// libLibTorchSharp.so when it loads (R1Sharp.IO.TorchNativeFix). About a minute (the app's build copies the natives).
namespace R1Sharp.Tests.Packaging;

public sealed class ProjectReferenceConsumerTests
{
    [Fact]
    public void A_fresh_console_app_with_a_ProjectReference_runs_the_tiny_model()
    {
        string app = Directory.CreateTempSubdirectory("r1-projref-").FullName;
        try
        {
            var timeout = TimeSpan.FromMinutes(10);
            DotnetCli.Run(app, timeout, ["new", "console", "-n", "RefApp", "-o", ".", "--no-restore"]);
            DotnetCli.Run(app, timeout, ["add", "reference", Path.Combine(RepoPaths.Root, "src", "R1Sharp", "R1Sharp.csproj")]);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using Microsoft.Extensions.AI;
                using R1Sharp.Serving;

                using IChatClient client = LocalChatClient.Load(args[0]);
                var response = await client.GetResponseAsync("2+3?", new ChatOptions { MaxOutputTokens = 6, Temperature = 0 });
                Console.WriteLine($"output tokens: {response.Usage?.OutputTokenCount}");
                """);

            string output = DotnetCli.Run(app, timeout,
                ["run", "-c", PackedFeed.Configuration, "--", Path.Combine(RepoPaths.Root, "models", "tiny-qwen2")]);

            Assert.Contains("output tokens: 6", output);
        }
        finally
        {
            try { Directory.Delete(app, recursive: true); } catch (IOException) { }
        }
    }
}
