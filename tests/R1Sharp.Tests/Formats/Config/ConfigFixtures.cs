// Locates tests/fixtures/configs from the test binary by walking up to the repository root.
namespace R1Sharp.Tests.Formats.Config;

internal static class ConfigFixtures
{
    public static string Root { get; } = RepoPaths.Fixture("configs");

    public static string Dir(string name) => Path.Combine(Root, name);

    }
