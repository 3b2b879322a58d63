// Locates the repository from the test binary (walking up to R1Sharp.slnx), for fixtures and tools.
namespace R1Sharp.Tests;

internal static class RepoPaths
{
    /// <summary>The repository root: the first directory above the test binary that holds R1Sharp.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under tests/fixtures/.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "fixtures", .. parts]);

    /// <summary>A path under tools/.</summary>
    public static string Tool(params string[] parts) => Path.Combine([Root, "tools", .. parts]);

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "R1Sharp.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("R1Sharp.slnx not found above " + AppContext.BaseDirectory);
    }
}
