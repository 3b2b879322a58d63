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
    GenerationConfig Generation);

public static partial class ModelInspector
{
    /// <summary>Reads config.json, the safetensors headers, the tokenizer and the chat template of a model directory.</summary>
    /// <exception cref="R1SharpException">The directory, config.json or the weights are missing or invalid.</exception>
    public static ModelSummary Inspect(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new R1SharpException($"{directory}: model directory not found");
        var config = ModelConfig.Load(directory);
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

        HfTokenizer? tokenizer = File.Exists(Path.Combine(directory, "tokenizer.json")) ? HfTokenizer.Load(directory) : null;
        IChatTemplate? template = null;
        string? templateProblem = null;
        try { template = ChatTemplate.FromModelDirectory(directory); }
        catch (R1SharpException e) { templateProblem = e.Message; }

        return new ModelSummary(directory, config, parameters, bytes, weights.Files.Count, weights.Tensors.Count,
            byDType, tensorGroups, tokenizer, template, templateProblem, GenerationConfig.Load(directory));
    }

    // Embeddings first, then layers, then the final norm and head: the order of the forward pass.
    static int GroupOrder(string pattern) =>
        pattern.Contains("embed", StringComparison.Ordinal) ? 0 : pattern.Contains(".N.", StringComparison.Ordinal) ? 1 : 2;

    [GeneratedRegex(@"\.\d+\.")]
    private static partial Regex LayerIndex();
}
