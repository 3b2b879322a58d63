// Facts about a Hugging Face model directory for `r1 inspect`: architecture, parameter count,
// weight dtypes, tensor groups, tokenizer and chat-template facts. Reads headers only, never weights.
using System.Text.RegularExpressions;
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Models;

/// <summary>Tensors whose names differ only in the layer index, e.g. <c>model.layers.N.mlp.up_proj.weight</c> × 28.</summary>
public sealed record TensorGroup(string Pattern, int Count, long[] Shape, string DType, long Parameters);

/// <summary>What <see cref="ModelInspector.Inspect"/> found in a model directory.</summary>
public sealed record ModelSummary(
    string Directory,
    ModelConfig Config,
    long Parameters,
    long WeightBytes,
    int WeightFiles,
    int TensorCount,
    IReadOnlyDictionary<string, long> ParametersByDType,
    IReadOnlyList<TensorGroup> TensorGroups,
    HfTokenizer? Tokenizer,
    IChatTemplate? ChatTemplate,
    string? ChatTemplateProblem,
    GenerationConfig Generation)
{
    /// <summary>Config-derived sizes: total vs active parameters, MTP, KV-cache bytes per token.</summary>
    public ModelCounts Counts => ModelArithmetic.Count(Config);
    /// <summary>True when the directory had no weights and <see cref="Parameters"/> was computed from config.json.</summary>
    public bool ConfigOnly { get; init; }
}

public static partial class ModelInspector
{
    /// <summary>Reads config.json, the safetensors headers, the tokenizer and the chat template of a model directory.</summary>
    /// <exception cref="R1SharpException">The directory, config.json or the weights are missing or invalid.</exception>
    public static ModelSummary Inspect(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new R1SharpException($"{directory}: model directory not found");
        var config = ModelConfig.Load(directory);
        if (!HasWeights(directory)) return ConfigOnly(directory, config);
        using var weights = SafetensorsModel.Open(directory);

        long parameters = 0, bytes = 0;
        var byDType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var groups = new Dictionary<string, (int Count, SafetensorsTensorInfo First, long Parameters)>(StringComparer.Ordinal);
        foreach (var info in weights.Tensors.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            long n = info.ElementCount;
            parameters += n;
            bytes += info.ByteLength;
            string dtype = info.DType.ToHeaderString();
            byDType[dtype] = byDType.GetValueOrDefault(dtype) + n;
            string pattern = LayerIndex().Replace(info.Name, ".N.");
            groups[pattern] = groups.TryGetValue(pattern, out var g) ? (g.Count + 1, g.First, g.Parameters + n) : (1, info, n);
        }
        var tensorGroups = groups
            .Select(kv => new TensorGroup(kv.Key, kv.Value.Count, kv.Value.First.Shape, kv.Value.First.DType.ToHeaderString(), kv.Value.Parameters))
            .OrderBy(g => GroupOrder(g.Pattern)).ThenBy(g => g.Pattern, StringComparer.Ordinal)
            .ToList();

        var (tokenizer, template, templateProblem) = TextFacts(directory);
        return new ModelSummary(directory, config, parameters, bytes, weights.Files.Count, weights.Tensors.Count,
            byDType, tensorGroups, tokenizer, template, templateProblem, GenerationConfig.Load(directory));
    }

    private static bool HasWeights(string directory) =>
        File.Exists(Path.Combine(directory, SafetensorsIndex.SingleFileName)) || File.Exists(Path.Combine(directory, SafetensorsIndex.FileName));

    // A directory with only config.json (e.g. the 671B R1 config): sizes come from the arithmetic, not from headers.
    private static ModelSummary ConfigOnly(string directory, ModelConfig config)
    {
        var (tokenizer, template, templateProblem) = TextFacts(directory);
        return new ModelSummary(directory, config, ModelArithmetic.Count(config).Total, 0, 0, 0,
            new SortedDictionary<string, long>(StringComparer.Ordinal), [], tokenizer, template, templateProblem,
            GenerationConfig.Load(directory)) { ConfigOnly = true };
    }

    private static (HfTokenizer?, IChatTemplate?, string?) TextFacts(string directory)
    {
        HfTokenizer? tokenizer = File.Exists(Path.Combine(directory, "tokenizer.json")) ? HfTokenizer.Load(directory) : null;
        IChatTemplate? template = null;
        string? templateProblem = null;
        try { template = ChatTemplate.FromModelDirectory(directory); }
        catch (R1SharpException e) { templateProblem = e.Message; }
        return (tokenizer, template, templateProblem);
    }

    // Embeddings first, then layers, then the final norm and head: the order of the forward pass.
    static int GroupOrder(string pattern) =>
        pattern.Contains("embed", StringComparison.Ordinal) ? 0 : pattern.Contains(".N.", StringComparison.Ordinal) ? 1 : 2;

    [GeneratedRegex(@"\.\d+\.")]
    private static partial Regex LayerIndex();
}
