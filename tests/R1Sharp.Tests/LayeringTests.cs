// The layers of ../shared/DESIGN.md, checked in the code: a folder of src/R1Sharp may use (through `using` lines or
// qualified names) only folders of lower layers or of its own layer, and folders never depend on each other in a cycle.
using System.Text.RegularExpressions;

namespace R1Sharp.Tests;

public partial class LayeringTests
{
    /// <summary>Layer of each top-level folder (namespace) of src/R1Sharp; lower numbers are lower layers.</summary>
    private static readonly Dictionary<string, int> Layers = new(StringComparer.Ordinal)
    {
        ["R1SharpException"] = 0, ["IO"] = 0, ["Numerics"] = 0, ["Tensors"] = 0, ["Diagnostics"] = 0,
        ["Hub"] = 1, ["Formats"] = 1, ["Text"] = 1,
        ["Models"] = 2,
        ["Generation"] = 3,
        ["Data"] = 4, ["Rewards"] = 4, ["Tasks"] = 4,
        ["Training"] = 5, ["Evaluation"] = 5,
        ["Recipes"] = 6, ["Serving"] = 6,
    };

    [GeneratedRegex(@"^\s*using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?R1Sharp\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?R1Sharp\.(\w+)\.")]
    private static partial Regex QualifiedName();

    /// <summary>(file, from folder, to folder) for every reference from one src/R1Sharp folder to another.</summary>
    private static IEnumerable<(string File, string From, string To)> References()
    {
        string library = Path.Combine(RepoPaths.Root, "src", "R1Sharp");
        foreach (string file in Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(library, file);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal)) continue;
            string from = relative.Contains(Path.DirectorySeparatorChar) ? relative[..relative.IndexOf(Path.DirectorySeparatorChar)] : "R1SharpException";
            string code = string.Join('\n', File.ReadLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal) && !l.TrimStart().StartsWith("namespace ", StringComparison.Ordinal)));
            var targets = UsingLine().Matches(code).Concat(QualifiedName().Matches(code)).Select(m => m.Groups[1].Value);
            foreach (string to in targets.Distinct())
                if (to != from) yield return (Path.Combine("src", "R1Sharp", relative), from, to);
        }
    }

    [Fact]
    public void Every_library_folder_has_a_layer()
    {
        string library = Path.Combine(RepoPaths.Root, "src", "R1Sharp");
        var folders = Directory.GetDirectories(library).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToList();
        var missing = folders.Where(f => !Layers.ContainsKey(f!)).ToList();
        Assert.True(missing.Count == 0, $"src/R1Sharp/{string.Join(", ", missing)}: give the new folder a layer in LayeringTests and README Layout");
    }

    [Fact]
    public void No_folder_uses_a_higher_layer()
    {
        var upward = References()
            .Where(r => Layers.TryGetValue(r.From, out int from) && Layers.TryGetValue(r.To, out int to) && to > from)
            .Select(r => $"{r.File}: {r.From} (layer {Layers[r.From]}) uses {r.To} (layer {Layers[r.To]})")
            .ToList();
        Assert.True(upward.Count == 0, "upward dependencies:\n" + string.Join('\n', upward));
    }

    [Fact]
    public void Folders_do_not_depend_on_each_other_in_a_cycle()
    {
        var edges = References().GroupBy(r => r.From).ToDictionary(g => g.Key, g => g.Select(r => r.To).Distinct().ToList());
        var state = new Dictionary<string, int>(); // 1 = on the path, 2 = done
        var path = new List<string>();
        string? cycle = null;
        void Visit(string node)
        {
            if (cycle is not null) return;
            state[node] = 1;
            path.Add(node);
            foreach (string next in edges.GetValueOrDefault(node, []))
            {
                if (state.GetValueOrDefault(next) == 1) { cycle = string.Join(" -> ", path.SkipWhile(p => p != next).Append(next)); return; }
                if (state.GetValueOrDefault(next) == 0) Visit(next);
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
        }
        foreach (string node in edges.Keys) if (state.GetValueOrDefault(node) == 0) Visit(node);
        Assert.True(cycle is null, "dependency cycle: " + cycle);
    }

    [Fact]
    public void Only_the_cli_references_Spectre_Console()
    {
        var users = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("\"Spectre.Console\"", StringComparison.Ordinal))
            .Select(p => Path.GetFileName(p)).ToList();
        Assert.Equal(["R1Sharp.Cli.csproj"], users);
    }
}
