// Encode throughput of HfTokenizer (DeepSeek-V3 and Qwen3 tokenizer.json) on ~1 MB of mixed-language text.
// Run: dotnet run -c Release --project bench/R1Sharp.Bench -- --filter '*Tokenizer*' --job short
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using R1Sharp.Text;

namespace R1Sharp.Bench;

/// <summary>Characters/s = text length / mean time; the text is the parity corpus repeated to ≥ 1,000,000 chars.</summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private HfTokenizer _tokenizer = null!;
    private string _text = "";

    [Params("deepseek_v3", "qwen3")]
    public string Tokenizer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        string root = FindFixtures();
        _tokenizer = HfTokenizer.FromJson(ReadGz(root, Tokenizer, "tokenizer.json.gz"), ReadGz(root, Tokenizer, "tokenizer_config.json.gz"));
        var corpus = ReadGz(root, "deepseek_v3", "expected.jsonl.gz").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!).ToList();
        var text = new StringBuilder();
        for (int i = 0; text.Length < 1_000_000; i++) text.Append(corpus[i % corpus.Count]).Append('\n');
        _text = text.ToString();
        Console.WriteLine($"// text: {_text.Length} chars, {_tokenizer.Encode(_text, false).Length} tokens");
    }

    /// <summary>Encodes the whole text (piece cache warm after the first call, as in a long-running process).</summary>
    [Benchmark]
    public int Encode() => _tokenizer.Encode(_text, addSpecialTokens: false).Length;

    private static string ReadGz(string root, string name, string file)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(root, name, file)), CompressionMode.Decompress);
        return new StreamReader(gz, Encoding.UTF8).ReadToEnd();
    }

    private static string FindFixtures()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "fixtures", "tokenizers");
                if (Directory.Exists(candidate)) return candidate;
            }
        throw new DirectoryNotFoundException("tests/fixtures/tokenizers not found");
    }
}
