// include/exclude file filters with Python fnmatch.fnmatchcase semantics, as snapshot_download's
// allow_patterns/ignore_patterns (utils/_paths.py filter_repo_objects): a trailing "/" means the whole folder.
using System.Text;
using System.Text.RegularExpressions;

namespace R1Sharp.Hub;

/// <summary>fnmatchcase globs: `*` any run (also across "/"), `?` one char, `[seq]`, `[!seq]`; case-sensitive.</summary>
public static class HubGlob
{
    /// <summary>
    /// Keeps the paths matching any include pattern (all when none given) and no exclude pattern.
    /// Example: include ["*.json", "sub/"] keeps "config.json", "a/b.json" and "sub/x.bin".
    /// </summary>
    public static IReadOnlyList<string> Filter(IEnumerable<string> paths, IReadOnlyList<string>? include, IReadOnlyList<string>? exclude)
    {
        var inc = Compile(include);
        var exc = Compile(exclude);
        return paths.Where(p => (inc.Length == 0 || inc.Any(r => r.IsMatch(p))) && !exc.Any(r => r.IsMatch(p))).ToList();
    }

    /// <summary>True when <paramref name="path"/> matches <paramref name="pattern"/> (fnmatchcase, with the trailing-"/" rule).</summary>
    public static bool IsMatch(string path, string pattern) => ToRegex(pattern).IsMatch(path);

    static Regex[] Compile(IReadOnlyList<string>? patterns) => patterns is null ? [] : patterns.Select(ToRegex).ToArray();

    /// <summary>The anchored regex equivalent of an fnmatch pattern (fnmatch.translate).</summary>
    public static Regex ToRegex(string pattern)
    {
        if (pattern.EndsWith('/')) pattern += "*";
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*') { sb.Append("[\\s\\S]*"); while (i + 1 < pattern.Length && pattern[i + 1] == '*') i++; }
            else if (c == '?') sb.Append("[\\s\\S]");
            else if (c == '[') i = AppendClass(pattern, i, sb);
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }

    // A "[...]" class; an unclosed "[" is a literal, as in fnmatch. Returns the index of the closing "]".
    static int AppendClass(string p, int open, StringBuilder sb)
    {
        int j = open + 1;
        if (j < p.Length && p[j] == '!') j++;
        if (j < p.Length && p[j] == ']') j++;
        while (j < p.Length && p[j] != ']') j++;
        if (j >= p.Length) { sb.Append("\\["); return open; }
        string body = p[(open + 1)..j];
        bool negate = body.StartsWith('!');
        if (negate) body = body[1..];
        var cls = new StringBuilder(negate ? "[^" : "[");
        foreach (char ch in body) cls.Append(ch is '\\' or '^' or '[' or ']' ? "\\" + ch : ch.ToString());
        sb.Append(cls).Append(']');
        return j;
    }
}
