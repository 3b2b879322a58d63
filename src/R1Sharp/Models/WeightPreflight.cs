// Checks config.json against the safetensors headers before any module is allocated: the embedding's shape, the
// number of layers, then every tensor the config implies (ExpectedTensors) with its shape and nothing unexpected. A
// config that disagrees with its weights (a num_hidden_layers of 1e9 once allocated 24 GB until the kernel killed the
// process) is refused in one line naming the file and the field, with the parameter counts of both.
using System.Globalization;
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Safetensors;

namespace R1Sharp.Models;

/// <summary>Config-versus-weights checks that need only the headers.</summary>
public static class WeightPreflight
{
    private const string LayerPrefix = "model.layers.";

    /// <summary>
    /// Throws a one-line <see cref="R1SharpException"/> when <paramref name="config"/> does not describe the tensors of
    /// <paramref name="weights"/>: names the config field to fix. Extras HF itself skips are allowed: RoPE
    /// inv_freq buffers, an lm_head stored although tied, FP8 scales and (deepseek_v3) the MTP layers, which with
    /// <paramref name="loadMtp"/> must number num_nextn_predict_layers (their tensors are checked when loaded).
    /// </summary>
    /// <param name="config">The parsed config.json.</param>
    /// <param name="weights">Every tensor of the model directory, by name (headers only).</param>
    /// <param name="configPath">config.json's path, for the message.</param>
    /// <param name="weightsName">The weight file(s), for the message (e.g. "model.safetensors").</param>
    /// <param name="loadMtp">Whether the MTP layers will be loaded too.</param>
    public static void Check(ModelConfig config, IReadOnlyDictionary<string, SafetensorsTensorInfo> weights, string configPath,
        string weightsName, bool loadMtp = false)
    {
        CheckEmbedding(config, weights, configPath, weightsName);
        CheckLayerCount(config, weights, configPath, weightsName, loadMtp);
        var expected = ExpectedTensors.Of(config).ToList();
        var names = expected.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(t => !weights.ContainsKey(t.Name)).ToList();
        var misshaped = expected.Where(t => weights.TryGetValue(t.Name, out var w) && !w.Shape.SequenceEqual(t.Shape)).ToList();
        var unexpected = weights.Keys.Where(k => !names.Contains(k) && !Ignorable(config, k))
            .OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (missing.Count + misshaped.Count + unexpected.Count == 0) return;

        string first = misshaped.Count > 0 ? Misshaped(misshaped[0], weights[misshaped[0].Name], config)
            : missing.Count > 0 ? $"{missing[0].Name} is missing{(missing[0].Because is { } b ? $" (the config has {b})" : "")}"
            : $"{unexpected[0]} {weights[unexpected[0]].ShapeText} is not in the model the config describes (check attention_bias, mlp_bias, tie_word_embeddings, q_lora_rank)";
        long configCount = expected.Sum(t => t.ElementCount);
        long weightCount = weights.Where(kv => !Ignorable(config, kv.Key)).Sum(kv => kv.Value.ElementCount);
        string counts = string.Join(", ", new[] { (misshaped.Count, "mis-shaped"), (missing.Count, "missing"), (unexpected.Count, "unexpected") }
            .Where(c => c.Item1 > 0).Select(c => $"{c.Item1} {c.Item2}"));
        throw new R1SharpException(string.Create(CultureInfo.InvariantCulture,
            $"{configPath} does not match {weightsName}: {first} ({counts} tensors; the config makes {configCount:N0} parameters, " +
            $"the weights hold {weightCount:N0}); use the config.json that came with the weights"));
    }

    /// <summary>The highest <c>model.layers.N</c> index among <paramref name="names"/> plus one (0 when none).</summary>
    public static int LayerCount(IEnumerable<string> names)
    {
        int count = 0;
        foreach (string name in names)
            if (LayerIndex(name) is int i && i >= count) count = i + 1;
        return count;
    }

    private static void CheckEmbedding(ModelConfig c, IReadOnlyDictionary<string, SafetensorsTensorInfo> weights, string configPath, string weightsName)
    {
        if (!weights.TryGetValue("model.embed_tokens.weight", out var e) || e.Shape.Length != 2) return; // listed as missing/mis-shaped below
        if (e.Shape[1] != c.HiddenSize)
            throw Field(configPath, "hidden_size", c.HiddenSize, $"{weightsName} has model.embed_tokens.weight {e.ShapeText}, a hidden size of {e.Shape[1]}");
        if (e.Shape[0] != c.VocabSize)
            throw Field(configPath, "vocab_size", c.VocabSize, $"{weightsName} has model.embed_tokens.weight {e.ShapeText}, {e.Shape[0]} token rows");
    }

    // Layers are counted from the names before the expected list (num_hidden_layers entries long) is built.
    private static void CheckLayerCount(ModelConfig c, IReadOnlyDictionary<string, SafetensorsTensorInfo> weights, string configPath,
        string weightsName, bool loadMtp)
    {
        int stored = LayerCount(weights.Keys);
        int mtp = c is DeepSeekV3Config d ? d.NumNextnPredictLayers : 0;
        string holds = stored == 0 ? "no model.layers.N tensors" : $"layers model.layers.0 to model.layers.{stored - 1}";
        if (stored < c.NumHiddenLayers || (mtp == 0 && stored > c.NumHiddenLayers) || stored > c.NumHiddenLayers + mtp)
            throw Field(configPath, "num_hidden_layers", c.NumHiddenLayers,
                $"{weightsName} holds {holds}{(mtp > 0 ? $" (with {mtp} MTP layer(s) after them, num_nextn_predict_layers)" : "")}");
        if (loadMtp && stored != c.NumHiddenLayers + mtp)
            throw Field(configPath, "num_nextn_predict_layers", mtp,
                $"{weightsName} holds {stored - c.NumHiddenLayers} layer(s) after the num_hidden_layers = {c.NumHiddenLayers} main ones");
    }

    private static string Misshaped(ExpectedTensor t, SafetensorsTensorInfo w, ModelConfig c)
    {
        string fields = w.Shape.Length == t.Shape.Length
            ? string.Join(", ", t.Shape.Select((d, i) => (d, i)).Where(x => x.d != w.Shape[x.i]).Select(x => $"{t.Fields[x.i]} = {x.d}"))
            : string.Join(", ", t.Fields);
        return $"{t.Name} is {w.ShapeText} in the weights, the config gives [{string.Join(", ", t.Shape)}] ({fields})";
    }

    // What DecoderModel.LoadWeights skips too (HF does): RoPE buffers, a tied head's copy, FP8 scales, MTP layers.
    private static bool Ignorable(ModelConfig c, string name) =>
        name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
        || (name == "lm_head.weight" && c.TieWordEmbeddings)
        || (c is DeepSeekV3Config && (name.EndsWith(".weight_scale_inv", StringComparison.Ordinal) || LayerIndex(name) >= c.NumHiddenLayers));

    private static int? LayerIndex(string name)
    {
        if (!name.StartsWith(LayerPrefix, StringComparison.Ordinal)) return null;
        int end = name.IndexOf('.', LayerPrefix.Length);
        return end > 0 && int.TryParse(name.AsSpan(LayerPrefix.Length, end - LayerPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : null;
    }

    private static R1SharpException Field(string configPath, string field, long value, string but) =>
        new($"{configPath}: {field} is {value.ToString(CultureInfo.InvariantCulture)}, but {but}; fix {field} or use the config.json that came with the weights");
}
