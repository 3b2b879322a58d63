// The packages work on a fresh machine (issue #13): a new console app outside the repository gets R1Sharp with
// `dotnet add package` from a local feed and runs the tiny model through IChatClient (on Debian 12 this needs the
// TorchSharp native fix that the package carries in buildTransitive/), and the r1 tool installs with
// `dotnet tool install --tool-path` and runs. Slow (packing the tool zips ~0.5 GB of natives): about 2 minutes.
using System.Xml.Linq;

namespace R1Sharp.Tests.Packaging;

public sealed class PackageConsumerTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    static readonly TimeSpan Long = TimeSpan.FromMinutes(10);
    static string TinyModel => Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    [Fact]
    public void Every_package_has_a_description_licence_readme_and_repository()
    {
        foreach (var (id, _) in PackedFeed.Packages)
        {
            var metadata = feed.Nuspec(id).Elements().Single(e => e.Name.LocalName == "metadata");
            string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.Equal(id, Field("id"));
            Assert.Equal(feed.Version, Field("version"));
            Assert.DoesNotContain("Package Description", Field("description"));
            Assert.True(Field("description").Length > 40, $"{id}: description '{Field("description")}'");
            Assert.Equal("MIT", Field("license"));
            Assert.Equal("README.md", Field("readme"));
            Assert.Contains("README.md", feed.Entries(id));
            Assert.NotNull(metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "repository"));
        }
    }

    [Fact]
    public void The_library_carries_the_native_fix_and_the_tool_is_a_dotnet_tool_named_r1()
    {
        Assert.Contains("buildTransitive/R1Sharp.targets", feed.Entries("R1Sharp"));
        Assert.Contains("buildTransitive/ElfVersionPatcher.cs", feed.Entries("R1Sharp"));
        var tool = feed.Entries("R1Sharp.Cli");
        string settings = tool.Single(e => e.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        Assert.Contains(tool, e => e.EndsWith("/libLibTorchSharp.so", StringComparison.Ordinal));
        Assert.Contains(tool, e => e.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal));
        var types = feed.Nuspec("R1Sharp.Cli").Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => (string?)e.Attribute("name"));
        Assert.Contains("DotnetTool", types);
        Assert.StartsWith("tools/net10.0/", settings);
    }

    [Fact]
    public void A_fresh_console_app_adds_the_package_and_the_tiny_model_answers_through_IChatClient()
    {
        string app = Directory.CreateDirectory(Path.Combine(feed.Root, "app")).FullName;
        feed.WriteNugetConfig(app);
        DotnetCli.Run(app, Long, ["new", "console", "-n", "FreshApp", "-o", ".", "--no-restore"]);
        DotnetCli.Run(app, Long, ["add", "package", "R1Sharp", "--version", feed.Version]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ConsumerProgram);

        string output = DotnetCli.Run(app, Long, ["run", "-c", "Release", "--", TinyModel]);

        Assert.Contains("model: tiny-qwen2", output);
        Assert.Contains("finish: length, output tokens: 8", output);
        var csproj = XDocument.Load(Path.Combine(app, "FreshApp.csproj"));
        Assert.Contains(csproj.Descendants("PackageReference"), r => (string?)r.Attribute("Include") == "R1Sharp");
    }

    [Fact]
    public void The_r1_tool_installs_into_a_tool_path_and_runs()
    {
        string tools = Path.Combine(feed.Root, "tools");
        DotnetCli.Run(feed.Root, Long,
            ["tool", "install", "R1Sharp.Cli", "--version", feed.Version, "--tool-path", tools, "--add-source", feed.Feed]);
        string r1 = Path.Combine(tools, "r1");

        string inspect = DotnetCli.Run(feed.Root, Long, ["inspect", "--model", TinyModel], fileName: r1);
        Assert.Contains("architecture qwen2 (Qwen2ForCausalLM)", inspect);
        // A generation loads libtorch: the tool's copy of libLibTorchSharp.so was patched before packing.
        string run = DotnetCli.Run(feed.Root, Long, ["run", "--model", TinyModel, "--prompt", "2+3?", "--max-tokens", "4"], fileName: r1);
        Assert.Contains("generated 4", run);
    }

    // The consumer app: streaming through IChatClient, reasoning kept apart from the answer, ChatOptions.Reasoning.
    const string ConsumerProgram = """
        using Microsoft.Extensions.AI;
        using R1Sharp.Serving;

        using IChatClient client = LocalChatClient.Load(args[0], chatTemplate: "auto", dtype: "f32");
        Console.WriteLine($"model: {client.GetService<ChatClientMetadata>()?.DefaultModelId}");
        var options = new ChatOptions { MaxOutputTokens = 8, Temperature = 0, Reasoning = new() { Effort = ReasoningEffort.Low } };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("What is 2+3?", options)) updates.Add(update);
        var response = updates.ToChatResponse();
        int reasoning = response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Sum(r => r.Text.Length);
        Console.WriteLine($"reasoning: {reasoning} chars, answer: {response.Text.Length} chars");
        Console.WriteLine($"finish: {response.FinishReason?.Value}, output tokens: {response.Usage?.OutputTokenCount}");
        """;
}
