// A local NuGet feed holding this checkout's three packages (R1Sharp, R1Sharp.Server, the r1 tool R1Sharp.Cli), packed
// once per test class from the projects the test run already built (`dotnet pack --no-build`, same configuration).
// Each run gets its own version (0.0.0-test.<time>.<pid>), so restores can never be served a stale copy from the user's
// NuGet cache; the cache is reused for everything else (TorchSharp's natives are not downloaded again), and the entries
// this run adds there are removed at the end.
using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace R1Sharp.Tests.Packaging;

public sealed class PackedFeed : IDisposable
{
    /// <summary>The package ids, in packing order (R1Sharp.Server depends on R1Sharp).</summary>
    public static readonly (string Id, string Project)[] Packages =
        [("R1Sharp", "src/R1Sharp"), ("R1Sharp.Server", "src/R1Sharp.Server"), ("R1Sharp.Cli", "src/R1Sharp.Cli")];

    public PackedFeed()
    {
        Root = Directory.CreateTempSubdirectory("r1-pack-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        Version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var watch = Stopwatch.StartNew();
        foreach (var (_, project) in Packages)
            DotnetCli.Run(RepoPaths.Root, TimeSpan.FromMinutes(10),
                ["pack", project, "-c", Configuration, "--no-build", "-o", Feed, $"-p:PackageVersion={Version}"]);
        PackTime = watch.Elapsed;
    }

    /// <summary>A temporary directory for this run (the feed, the consumer app, the tool path).</summary>
    public string Root { get; }
    public string Feed { get; }
    public string Version { get; }
    public TimeSpan PackTime { get; }

    /// <summary>The configuration this test binary was built in: the packed projects were built in it too.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Replace('\\', '/').Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    /// <summary>The nuspec of a package in the feed.</summary>
    public XElement Nuspec(string id)
    {
        using var zip = ZipFile.OpenRead(PackagePath(id));
        var entry = zip.Entries.Single(e => e.FullName == id + ".nuspec");
        using var stream = entry.Open();
        return XDocument.Load(stream).Root!;
    }

    /// <summary>The file names inside a package.</summary>
    public IReadOnlyList<string> Entries(string id)
    {
        using var zip = ZipFile.OpenRead(PackagePath(id));
        return [.. zip.Entries.Select(e => e.FullName)];
    }

    /// <summary>A nuget.config that reads the local feed first, then nuget.org (only for packages the cache lacks).</summary>
    public void WriteNugetConfig(string directory) => File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="r1sharp-test-feed" value="{Feed}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
        </configuration>
        """);

    public void Dispose()
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var (id, _) in Packages)
        {
            string dir = Path.Combine(cache, id.ToLowerInvariant());
            TryDelete(Path.Combine(dir, Version));
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) TryDelete(dir);
        }
        TryDelete(Root);
    }

    static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
