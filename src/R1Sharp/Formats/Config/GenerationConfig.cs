// generation_config.json of an HF model directory (transformers GenerationConfig): the sampling
// defaults a model ships with. R1-Distill ships do_sample true, temperature 0.6, top_p 0.95.
using System.Text.Json.Nodes;

namespace R1Sharp.Formats.Config;

/// <summary>
/// Generation defaults from <c>generation_config.json</c>. A null property means the file does not set it
/// (the generator then uses its own default). Unknown fields are ignored.
/// </summary>
public sealed record GenerationConfig
{
    /// <summary>Returned by <see cref="Load"/> when the file is absent: DeepSeek's recommended R1 sampling
    /// (temperature 0.6, top_p 0.95, sampling on).</summary>
    public static GenerationConfig Default { get; } = new() { DoSample = true, Temperature = 0.6, TopP = 0.95 };

    /// <summary><c>bos_token_id</c>.</summary>
    public int? BosTokenId { get; init; }
    /// <summary><c>eos_token_id</c> (int or list in JSON); generation stops at any of them.</summary>
    public ValueList<int>? EosTokenIds { get; init; }
    /// <summary><c>pad_token_id</c>.</summary>
    public int? PadTokenId { get; init; }
    /// <summary><c>do_sample</c>: false means greedy decoding.</summary>
    public bool? DoSample { get; init; }
    /// <summary><c>temperature</c> (≥ 0).</summary>
    public double? Temperature { get; init; }
    /// <summary><c>top_p</c> nucleus mass in (0, 1].</summary>
    public double? TopP { get; init; }
    /// <summary><c>top_k</c> (0 disables).</summary>
    public int? TopK { get; init; }
    /// <summary><c>repetition_penalty</c> (&gt; 0; 1 disables).</summary>
    public double? RepetitionPenalty { get; init; }
    /// <summary><c>max_new_tokens</c>.</summary>
    public int? MaxNewTokens { get; init; }
    /// <summary><c>max_length</c> (prompt + new tokens).</summary>
    public int? MaxLength { get; init; }
    /// <summary><c>transformers_version</c> as read.</summary>
    public string? TransformersVersion { get; init; }

    /// <summary>Reads <c>generation_config.json</c> from a model directory, or returns <see cref="Default"/> when absent.</summary>
    public static GenerationConfig Load(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, "generation_config.json");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : Default;
    }

    /// <summary>Parses and validates generation_config.json text; errors name <paramref name="sourceName"/>.</summary>
    public static GenerationConfig Parse(string json, string sourceName)
    {
        using var doc = ConfigJson.ParseDocument(json, sourceName);
        var j = new ConfigJson(doc.RootElement, sourceName);
        var config = new GenerationConfig
        {
            BosTokenId = j.Int("bos_token_id"),
            EosTokenIds = j.IntOrList("eos_token_id"),
            PadTokenId = j.Int("pad_token_id"),
            DoSample = j.Bool("do_sample"),
            Temperature = j.Double("temperature"),
            TopP = j.Double("top_p"),
            TopK = j.Int("top_k"),
            RepetitionPenalty = j.Double("repetition_penalty"),
            MaxNewTokens = j.Int("max_new_tokens"),
            MaxLength = j.Int("max_length"),
            TransformersVersion = j.String("transformers_version"),
        };
        config.Validate(sourceName);
        return config;
    }

    /// <summary>Checks value ranges; the message says which field and what range is allowed.</summary>
    public void Validate(string sourceName = "generation_config.json")
    {
        if (Temperature is < 0 or double.NaN) Fail(sourceName, $"temperature must be >= 0 (0 means greedy), got {Temperature}");
        if (TopP is { } p && !(p > 0 && p <= 1)) Fail(sourceName, $"top_p must be in (0, 1], got {p}");
        if (TopK is < 0) Fail(sourceName, $"top_k must be >= 0 (0 disables it), got {TopK}");
        if (RepetitionPenalty is { } r && !(r > 0)) Fail(sourceName, $"repetition_penalty must be > 0 (1 disables it), got {r}");
        if (MaxNewTokens is < 1) Fail(sourceName, $"max_new_tokens must be >= 1, got {MaxNewTokens}");
        if (MaxLength is < 1) Fail(sourceName, $"max_length must be >= 1, got {MaxLength}");
    }

    private static void Fail(string source, string message) => throw new R1SharpException($"{source}: {message}");

    /// <summary>generation_config.json text with the set fields (sorted keys) and transformers_version.</summary>
    public string ToJson()
    {
        var o = new JsonObject { ["transformers_version"] = TransformersVersion ?? ModelConfig.DefaultTransformersVersion };
        if (BosTokenId is { } bos) o["bos_token_id"] = bos;
        if (EosTokenIds is { Count: > 0 } eos) o["eos_token_id"] = ConfigJson.IdsNode(eos);
        if (PadTokenId is { } pad) o["pad_token_id"] = pad;
        if (DoSample is { } ds) o["do_sample"] = ds;
        if (Temperature is { } t) o["temperature"] = ConfigJson.Float(t);
        if (TopP is { } tp) o["top_p"] = ConfigJson.Float(tp);
        if (TopK is { } tk) o["top_k"] = tk;
        if (RepetitionPenalty is { } rp) o["repetition_penalty"] = ConfigJson.Float(rp);
        if (MaxNewTokens is { } mnt) o["max_new_tokens"] = mnt;
        if (MaxLength is { } ml) o["max_length"] = ml;
        return ConfigJson.Write(o);
    }
}
