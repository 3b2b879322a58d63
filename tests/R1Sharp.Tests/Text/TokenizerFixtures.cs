// Loads the committed tokenizer fixtures (tests/fixtures/tokenizers/, made by tools/tokenizer-parity/generate.mjs).
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using R1Sharp.Text;

namespace R1Sharp.Tests.Text;

/// <summary>One line of expected.jsonl.gz: a corpus string and what transformers.js made of it.</summary>
public sealed record ParityCase(string Text, int[] Ids, int[] DefaultIdsPrefix, string Decoded, string DecodedSkip);

internal static class TokenizerFixtures
{
    private static readonly ConcurrentDictionary<string, Lazy<HfTokenizer>> Loaded = new();

    public static string Root { get; } = RepoPaths.Fixture("tokenizers");

    public static string ReadGz(string name, string file)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(Root, name, file)), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The tokenizer of a fixture directory (deepseek_v3, deepseek_r1, qwen3), loaded once per process.</summary>
    public static HfTokenizer Get(string name) => Loaded.GetOrAdd(name, n => new Lazy<HfTokenizer>(() =>
        HfTokenizer.FromJson(ReadGz(n, "tokenizer.json.gz"), ReadGz(n, "tokenizer_config.json.gz")))).Value;

    /// <summary>Writes tokenizer.json and tokenizer_config.json of a fixture into a directory (for Load tests).</summary>
    public static void WriteModelDirectory(string name, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), ReadGz(name, "tokenizer.json.gz"));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), ReadGz(name, "tokenizer_config.json.gz"));
    }

    public static List<ParityCase> Cases(string name)
    {
        var cases = new List<ParityCase>();
        foreach (string line in ReadGz(name, "expected.jsonl.gz").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            cases.Add(new ParityCase(
                r.GetProperty("text").GetString()!,
                [.. r.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())],
                [.. r.GetProperty("default_ids_prefix").EnumerateArray().Select(e => e.GetInt32())],
                r.GetProperty("decoded").GetString()!,
                r.GetProperty("decoded_skip").GetString()!));
        }
        return cases;
    }
}
