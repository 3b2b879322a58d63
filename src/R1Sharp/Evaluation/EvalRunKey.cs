// What makes two `r1 eval` runs the same run: the model (path and a fingerprint of its weights), the problems, and every
// setting that changes a sample. The key is the first line of the records file, so a resume into a file written by
// another model, dataset or setting is refused instead of reporting the other run's numbers.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using R1Sharp.Data;

namespace R1Sharp.Evaluation;

/// <summary>The identity of an evaluation run, written as the first line of its records file.</summary>
/// <param name="Model">The model: a full local path, or "ENDPOINT MODEL_NAME" for a remote one.</param>
/// <param name="Weights">"sha256:…" fingerprint of the local weights (<see cref="FingerprintModel"/>); "remote" for an endpoint.</param>
/// <param name="Dataset">"sha256:…" of every problem's id, question and answer, in order (<see cref="FingerprintProblems"/>).</param>
/// <param name="K">Samples per problem.</param>
/// <param name="Temperature">Sampling temperature.</param>
/// <param name="TopP">Nucleus mass.</param>
/// <param name="MaxTokens">New tokens per sample at most.</param>
/// <param name="Seed">Base seed.</param>
/// <param name="Instruction">Text appended to each problem (null: none, as for the chain-sum task).</param>
/// <param name="ChatTemplate">The chat template asked for.</param>
/// <param name="DType">Weight precision asked for (f32, bf16, int8, int4; "server" for an endpoint).</param>
/// <param name="Recipe">Settings of the recipe that change its output besides sampling (`r1 distill`: format, filters,
/// traces kept per problem), as compact JSON; null for `r1 eval`.</param>
public sealed record EvalRunKey(
    string Model, string Weights, string Dataset, int K, float Temperature, float TopP, int MaxTokens, ulong Seed,
    string? Instruction, string ChatTemplate, [property: JsonPropertyName("dtype")] string DType, string? Recipe = null)
{
    /// <summary>Bytes read from each end of a weight file for its fingerprint.</summary>
    public const int EdgeBytes = 1 << 20;

    /// <summary>The key's JSONL line starts with this property (records never have it).</summary>
    public const string LineProperty = "eval_run";

    /// <summary>The key for sampling <paramref name="options"/> over <paramref name="problems"/>.</summary>
    public static EvalRunKey Create(string model, string weights, IReadOnlyList<Problem> problems, EvalOptions options,
        string? instruction, string chatTemplate, string dtype) =>
        Create(model, weights, FingerprintProblems(problems), options, instruction, chatTemplate, dtype);

    /// <summary>The key for sampling <paramref name="options"/> over problems identified by <paramref name="dataset"/>
    /// (a fingerprint, or a description such as "chain-sum training, seed 1234").</summary>
    public static EvalRunKey Create(string model, string weights, string dataset, EvalOptions options,
        string? instruction, string chatTemplate, string dtype, string? recipe = null) =>
        new(model, weights, dataset, options.K, options.Temperature, options.TopP, options.MaxNewTokens,
            options.Seed, instruction, chatTemplate, dtype, recipe);

    /// <summary>"sha256:…" over each problem's id, question and answer (length-prefixed, so no two lists collide).</summary>
    public static string FingerprintProblems(IReadOnlyList<Problem> problems)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in problems)
            foreach (var s in (string[])[p.Id, p.Question, p.Answer])
            {
                var bytes = Encoding.UTF8.GetBytes(s);
                sha.AppendData(BitConverter.GetBytes(bytes.Length));
                sha.AppendData(bytes);
            }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// "sha256:…" over a model file (a GGUF) or a model directory's config, tokenizer and weight files: each file's
    /// name, length, first and last <see cref="EdgeBytes"/> bytes. Reads at most 2 MiB per file, so a 15 GB model is
    /// keyed in milliseconds; two checkpoints of one training run differ in their first tensor's bytes.
    /// </summary>
    public static string FingerprintModel(string path)
    {
        IEnumerable<string> files = File.Exists(path) ? [path] : Directory.EnumerateFiles(path)
            .Where(f => Path.GetFileName(f) is "config.json" or "tokenizer.json" ||
                        Path.GetExtension(f) is ".safetensors" or ".gguf" or ".bin")
            .Order(StringComparer.Ordinal);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[EdgeBytes];
        foreach (var file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n" + stream.Length.ToString(CultureInfo.InvariantCulture) + "\n"));
            HashRange(sha, stream, 0, buffer);
            if (stream.Length > EdgeBytes) HashRange(sha, stream, Math.Max(EdgeBytes, stream.Length - EdgeBytes), buffer);
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static void HashRange(IncrementalHash sha, FileStream stream, long from, byte[] buffer)
    {
        stream.Position = from;
        int n = stream.ReadAtLeast(buffer, (int)Math.Min(buffer.Length, stream.Length - from), throwOnEndOfStream: false);
        sha.AppendData(buffer, 0, n);
    }

    /// <summary>
    /// The first setting in which <paramref name="other"/> (the file's run) differs from this run, as
    /// "temperature 0.6 there, 0.7 here"; null when they are the same run.
    /// </summary>
    public string? Difference(EvalRunKey other)
    {
        var inv = CultureInfo.InvariantCulture;
        (string Name, object? There, object? Here)[] fields =
        [
            ("model", other.Model, Model), ("weights", other.Weights, Weights), ("problems", other.Dataset, Dataset),
            ("--samples", other.K, K), ("--temperature", other.Temperature, Temperature), ("--top-p", other.TopP, TopP),
            ("--max-tokens", other.MaxTokens, MaxTokens), ("--seed", other.Seed, Seed), ("--instruction", other.Instruction, Instruction),
            ("--chat-template", other.ChatTemplate, ChatTemplate), ("--dtype", other.DType, DType),
            ("filter settings", other.Recipe, Recipe),
        ];
        foreach (var (name, there, here) in fields)
            if (!Equals(there, here))
                return string.Format(inv, "{0} {1} there, {2} here", name, Show(there), Show(here));
        return null;

        static string Show(object? v) => v switch
        {
            null => "(none)",
            string s when s.StartsWith("sha256:", StringComparison.Ordinal) => s.Length > 19 ? s[..19] + "…" : s,
            string s => "'" + s + "'",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => v.ToString() ?? "",
        };
    }
}

/// <summary>The first line of a keyed records file: <c>{"eval_run": {...}}</c>.</summary>
internal sealed record EvalRunLine([property: JsonPropertyName(EvalRunKey.LineProperty)] EvalRunKey? Run);
