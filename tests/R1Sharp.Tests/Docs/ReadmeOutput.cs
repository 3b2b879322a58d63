// Compares a README command's shown output with its real output: the documented normalisation of timings and the
// two elisions the README uses (a `...` line, a `…` inside a line).
using System.Text.RegularExpressions;

namespace R1Sharp.Tests.Docs;

public static partial class ReadmeOutput
{
    // A number with a time or speed unit: "in 0.29 s", "41.9 tokens/s", "rollout 0.11s", "227 ms", "141 GFLOP/s".
    [GeneratedRegex(@"\b\d+(\.\d+)?(e[+-]?\d+)?(?<sp> ?)(?<unit>ms|s|tokens/s|tok/s|GFLOP/s)(?![\w/])")]
    private static partial Regex Timed();

    // Training throughput keys of the SFT lines: "tokens_per_second 28761", "mfu 14.5%", "MFU 24.3%".
    [GeneratedRegex(@"\b(?<key>tokens_per_second|mfu|MFU) \d+(\.\d+)?(?<pct>%?)")]
    private static partial Regex Throughput();

    // llama-server's timings object in --json output and server answers: measured, so left out on both sides.
    [GeneratedRegex(@",""timings"":(\{[^{}]*\}|\{…\})")]
    private static partial Regex Timings();

    /// <summary>
    /// One line with its measured figures replaced: a number before a time/speed unit becomes <c>#</c> ("in 0.29 s" →
    /// "in # s"), the SFT throughput keys' values become <c>#</c>, a JSON <c>"timings"</c> object is dropped, trailing
    /// blanks are trimmed.
    /// </summary>
    /// <example>"generated 40 (40 reasoning) in 0.98 s, 41.0 tokens/s" → "generated 40 (40 reasoning) in # s, # tokens/s"</example>
    public static string Normalise(string line)
    {
        string s = Timings().Replace(line.TrimEnd(), "");
        s = Timed().Replace(s, m => "#" + m.Groups["sp"].Value + m.Groups["unit"].Value);
        return Throughput().Replace(s, m => m.Groups["key"].Value + " #" + m.Groups["pct"].Value);
    }

    /// <summary>
    /// Whether <paramref name="actual"/> lines fit the <paramref name="shown"/> ones, both normalised: a shown line
    /// "..." stands for any number of lines (none included), a "…" inside a shown line for any text; trailing empty
    /// lines on either side are ignored.
    /// </summary>
    public static bool Matches(IReadOnlyList<string> shown, IReadOnlyList<string> actual)
    {
        var patterns = Trim(shown).Select(l => Normalise(l)).Select(l => l == "..." ? null : Pattern(l)).ToArray();
        var lines = Trim(actual).Select(Normalise).ToArray();
        // fits[i, j]: patterns[i..] match lines[j..].
        var fits = new bool[patterns.Length + 1, lines.Length + 1];
        fits[patterns.Length, lines.Length] = true;
        for (int i = patterns.Length - 1; i >= 0; i--)
            for (int j = lines.Length; j >= 0; j--)
                fits[i, j] = patterns[i] is null
                    ? fits[i + 1, j] || (j < lines.Length && fits[i, j + 1])
                    : j < lines.Length && patterns[i]!.IsMatch(lines[j]) && fits[i + 1, j + 1];
        return fits[0, 0];
    }

    static Regex Pattern(string shownLine) =>
        new("^" + string.Join(".*", shownLine.Split('…').Select(Regex.Escape)) + "$", RegexOptions.CultureInvariant);

    static IReadOnlyList<string> Trim(IReadOnlyList<string> lines)
    {
        int n = lines.Count;
        while (n > 0 && lines[n - 1].Trim().Length == 0) n--;
        return lines.Take(n).ToArray();
    }
}
