// Which safetensors tensors become which GGUF tensors (name, type, row order), streamed chunk by chunk from the mapping.
// Follows llama.cpp convert_hf_to_gguf.py (LlamaModel.modify_tensors permute, 1-D tensors in F32, QuantError → F16).
using System.Text.RegularExpressions;
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Gguf;
using R1Sharp.Formats.Safetensors;

namespace R1Sharp.Models.Export;

/// <summary>One tensor of the export: where it comes from, what it is called and stored as.</summary>
/// <param name="HfName">Safetensors name, or null for a computed tensor (rope_freqs).</param>
/// <param name="GgufName">GGUF name.</param>
/// <param name="TorchShape">Shape in torch order.</param>
/// <param name="Type">Stored ggml type.</param>
/// <param name="PermuteHeads">For llama q/k: the head count of the row permutation; 0 for none.</param>
public sealed record GgufTensorPlanEntry(string? HfName, string GgufName, long[] TorchShape, GgmlType Type, int PermuteHeads);

/// <summary>Plans and streams the tensors of a qwen2/llama export.</summary>
public static partial class GgufTensorPlan
{
    private const int ChunkElements = 1 << 16;

    [GeneratedRegex(@"^model\.layers\.(\d+)\.")]
    private static partial Regex LayerPrefix();

    /// <summary>
    /// The tensors to write, ordered embedding, layers by index, final norm, output. Matrices get
    /// <paramref name="type"/> (block types fall back to F16 when a row is not a whole number of blocks), 1-D tensors
    /// F32. llama q_proj/k_proj weights and biases are marked for the q/k permutation (k with the KV head count).
    /// A tied model skips lm_head.weight (llama.cpp reuses token_embd); rotary inv_freq buffers are skipped.
    /// </summary>
    public static IReadOnlyList<GgufTensorPlanEntry> Create(ModelConfig config, IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, GgmlType type)
    {
        bool llama = GgufHyperParameters.Architecture(config) == "llama";
        var plan = new List<GgufTensorPlanEntry>();
        foreach (var info in tensors.Values.OrderBy(SortKey).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            string name = info.Name;
            if (name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)) continue;
            if (name == "lm_head.weight" && config.TieWordEmbeddings) continue;
            string gguf = GgufNames.HfToGguf(name);
            long[] shape = info.Shape;
            if (shape.Length is < 1 or > 2)
                throw new R1SharpException($"tensor '{name}' has shape {info.ShapeText}; a qwen2/llama export expects 1-D or 2-D tensors");
            GgmlType stored = shape.Length == 1 || type == GgmlType.F32 ? GgmlType.F32 : GgmlTypes.WithFallback(type, shape[^1]);
            int heads = llama ? LlamaPermuteHeads(config, name) : 0;
            if (heads > 0 && shape[0] % (2 * heads) != 0)
                throw new R1SharpException($"tensor '{name}' has {shape[0]} rows, not a multiple of 2 × {heads} heads; check num_attention_heads / num_key_value_heads");
            plan.Add(new GgufTensorPlanEntry(name, gguf, shape, stored, heads));
        }
        if (!plan.Any(p => p.GgufName == "token_embd.weight"))
            throw new R1SharpException("model weights have no 'model.embed_tokens.weight'; is this a complete qwen2/llama checkpoint?");
        if (!config.TieWordEmbeddings && !plan.Any(p => p.GgufName == "output.weight"))
            throw new R1SharpException("model weights have no 'lm_head.weight' but config.json tie_word_embeddings is false; set it to true or add the tensor");
        return plan;
    }

    /// <summary>
    /// The head count llama's q/k permutation uses for HF tensor <paramref name="hfName"/> (weight or bias):
    /// num_attention_heads for q_proj, num_key_value_heads for k_proj, 0 for every other tensor.
    /// </summary>
    public static int LlamaPermuteHeads(ModelConfig config, string hfName) =>
        hfName.Contains(".self_attn.q_proj.", StringComparison.Ordinal) ? config.NumAttentionHeads
        : hfName.Contains(".self_attn.k_proj.", StringComparison.Ordinal) ? config.NumKeyValueHeads : 0;

    private static (int Group, int Layer) SortKey(SafetensorsTensorInfo t) => t.Name switch
    {
        "model.embed_tokens.weight" => (0, 0),
        "model.norm.weight" => (2, 0),
        "lm_head.weight" => (3, 0),
        _ when LayerPrefix().Match(t.Name) is { Success: true } m => (1, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)),
        _ => (4, 0),
    };

    /// <summary>
    /// The source row of output row <paramref name="row"/> under llama's q/k permutation
    /// (<c>w.reshape(nHead, 2, rows/nHead/2, cols).swapaxes(1, 2)</c>): within each head of 2h rows, output row
    /// 2i+t is input row t·h+i. Example: rows 4, one head → sources [0, 2, 1, 3].
    /// </summary>
    public static int LlamaQKSourceRow(int row, int rows, int nHead)
    {
        int perHead = rows / nHead, half = perHead / 2;
        int head = row / perHead, within = row % perHead;
        return head * perHead + (within % 2) * half + within / 2;
    }

    /// <summary>
    /// A source that streams a safetensors tensor as float32 in chunks of at most 64K elements, rows reordered by
    /// the q/k permutation when <paramref name="permuteHeads"/> &gt; 0. Only one chunk is ever held in memory.
    /// </summary>
    public static GgufFloatSource Stream(SafetensorsModel weights, string name, int permuteHeads)
    {
        return sink =>
        {
            var info = weights.Tensors[name];
            int elementBytes = info.DType.BitSize() / 8;
            long count = info.ElementCount;
            if (permuteHeads == 0)
            {
                var buffer = new float[(int)Math.Min(ChunkElements, count)];
                for (long done = 0; done < count; done += buffer.Length)
                {
                    int n = (int)Math.Min(buffer.Length, count - done);
                    Convert(weights, info, done * elementBytes, buffer.AsSpan(0, n), elementBytes);
                    sink.Write(buffer.AsSpan(0, n));
                }
                return;
            }
            int rows = (int)info.Shape[0];
            long cols = count / rows;
            var row = new float[cols];
            for (int r = 0; r < rows; r++)
            {
                long src = LlamaQKSourceRow(r, rows, permuteHeads);
                Convert(weights, info, src * cols * elementBytes, row, elementBytes);
                sink.Write(row);
            }
        };
    }

    private static void Convert(SafetensorsModel weights, SafetensorsTensorInfo info, long byteOffset, Span<float> destination, int elementBytes)
    {
        if (!SafetensorsConvert.CanConvertToSingle(info.DType) || elementBytes == 0)
            throw new R1SharpException($"tensor '{info.Name}' has dtype {info.DType.ToHeaderString()}, which cannot be converted to float32 for GGUF");
        var bytes = weights.FileOf(info.Name).GetBytes(info.Name, byteOffset, destination.Length * elementBytes);
        SafetensorsConvert.ToSingle(info.DType, bytes, destination);
    }
}
