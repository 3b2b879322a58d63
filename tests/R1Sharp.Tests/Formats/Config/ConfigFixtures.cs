// Locates tests/fixtures/configs from the test binary by walking up to the repository root.
namespace R1Sharp.Tests.Formats.Config;

internal static class ConfigFixtures
{
    public static string Root { get; } = Find();

    public static string Dir(string name) => Path.Combine(Root, name);

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "fixtures", "configs");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures/configs not found above " + AppContext.BaseDirectory);
    }
}
