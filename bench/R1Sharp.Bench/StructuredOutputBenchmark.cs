// What structured output costs a decode step: (1) decode tokens/s of one model with and without a JSON constraint
// (same prompt, seed and sampler; thinking off), alternating rounds; (2) the mask alone on a Qwen-sized vocabulary
// (151,936 synthetic byte-level tokens), per step, at the states a JSON answer spends its time in.
using System.Diagnostics;
using R1Sharp.Generation;
using R1Sharp.Generation.Structured;
using R1Sharp.Numerics;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/R1Sharp.Bench -- structured [--model models/tiny-qwen2] [--decode 256]
/// [--rounds 5] [--vocab 151936]</c>.
/// </summary>
public static class StructuredOutputBenchmark
{
    private const string Schema = """
        {"type":"object","properties":{"title":{"type":"string"},"year":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}},
         "rating":{"type":["number","null"]}},"required":["title","year","tags","rating"],"additionalProperties":false}
        """;

    /// <summary>Runs both parts; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        string model = LlamaCppTools.Arg(args, "--model", Path.Combine("models", "tiny-qwen2"));
        int decode = LlamaCppTools.IntArg(args, "--decode", 256), rounds = LlamaCppTools.IntArg(args, "--rounds", 5);
        int vocab = LlamaCppTools.IntArg(args, "--vocab", 151_936);
        var grammar = JsonGrammar.FromSchema(System.Text.Json.JsonDocument.Parse(Schema).RootElement, strict: true);
        DecodeRate(model, decode, rounds, grammar);
        MaskCost(vocab, grammar);
        return 0;
    }

    private static void DecodeRate(string modelDir, int decode, int rounds, JsonGrammar grammar)
    {
        using var generator = TextGenerator.Load(modelDir);
        var template = ChatTemplate.FromModelDirectory(modelDir);
        var request = GenerationRequest.ForChat(generator.Tokenizer, template, [ChatTurn.User("Describe a film as JSON.")]);
        var free = generator.DefaultOptions() with
        {
            MaxNewTokens = decode, ThinkingBudget = 0, Seed = 11, LoopGuard = null,
            Sampler = new SamplerOptions { Temperature = 1f },
        };
        var variants = new (string Name, GenerationOptions Options)[]
        {
            ("free text", free), ("json_schema", free with { ResponseFormat = grammar }), ("json_object", free with { ResponseFormat = JsonGrammar.JsonObject }),
        };
        var rates = variants.ToDictionary(v => v.Name, _ => new List<double>());
        generator.Generate(request, free); // warm-up
        for (int r = 0; r < rounds; r++)
        {
            foreach (var (name, options) in variants)
            {
                var result = generator.Generate(request, options);
                if (result.Timings is { } t) rates[name].Add(t.PredictedPerSecond);
            }
        }
        Console.WriteLine($"{Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd('/'))}, decode up to {decode} tokens, thinking off, median of {rounds} alternating rounds:");
        double baseline = Median(rates["free text"]);
        foreach (var (name, list) in rates)
            Console.WriteLine($"  {name,-12} {Median(list),8:F1} tok/s  ({Median(list) / baseline - 1,6:P1} vs free text)");
    }

    private static void MaskCost(int vocab, JsonGrammar grammar)
    {
        var trie = new TokenTrie(SyntheticVocabulary(vocab));
        Console.WriteLine($"mask on a synthetic {vocab}-token vocabulary ({trie.NodeCount} trie nodes), per step:");
        var eos = new[] { vocab - 1 };
        var workspace = new SamplerWorkspace(vocab);
        var logits = new float[vocab];
        foreach (var (name, prefix) in new[] { ("after {", "{"), ("in a string", "{\"title\":\"The "), ("in a number", "{\"title\":\"x\",\"year\":19"),
                     ("in an array", "{\"title\":\"x\",\"year\":1999,\"tags\":[\"a\",") })
        {
            var sampler = new JsonConstraintSampler(grammar, trie, eos) { Active = true };
            // Feed the prefix byte by byte through single-byte tokens (ids 0..255 are the bytes).
            foreach (byte b in System.Text.Encoding.UTF8.GetBytes(prefix)) sampler.Accept(b);
            var clock = Stopwatch.StartNew();
            int steps = 0;
            while (clock.ElapsedMilliseconds < 1000 || steps < 3)
            {
                var candidates = workspace.Load(logits);
                sampler.Apply(ref candidates);
                steps++;
            }
            Console.WriteLine($"  {name,-12} {clock.Elapsed.TotalMilliseconds / steps,8:F2} ms");
        }
    }

    // Ids 0..255: the single bytes; then words of 2–12 letters, half with a leading space, some with punctuation or
    // UTF-8 letters, as a byte-level BPE vocabulary has; the last id is EOS (no bytes).
    private static byte[]?[] SyntheticVocabulary(int vocab)
    {
        var rng = new Xoshiro256(7);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tokens = new byte[]?[vocab];
        for (int b = 0; b < 256; b++) tokens[b] = [(byte)b];
        const string letters = "etaoinshrdlcumwfgypbvkjxqz";
        string[] extra = ["é", "ü", "ñ", "ж", "中", "\"", ",", ".", ":", "{", "}", "[", "]", "0", "1", "\n", "  "];
        for (int id = 256; id < vocab - 1; id++)
        {
            string word;
            do
            {
                var sb = new System.Text.StringBuilder();
                if (rng.NextDouble() < 0.5) sb.Append(' ');
                int n = 2 + (int)(rng.NextUInt64() % 11);
                for (int i = 0; i < n; i++)
                    sb.Append(rng.NextDouble() < 0.05 ? extra[rng.NextUInt64() % (ulong)extra.Length] : letters[(int)(rng.NextUInt64() % 26)].ToString());
                word = sb.ToString();
            } while (!seen.Add(word));
            tokens[id] = System.Text.Encoding.UTF8.GetBytes(word);
        }
        return tokens;
    }

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : values.Order().ElementAt(values.Count / 2);
}
