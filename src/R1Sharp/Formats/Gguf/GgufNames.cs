// HF (transformers) → GGUF tensor names for qwen2/llama, and the llama q/k row permutation.
// Follows llama.cpp gguf-py tensor_mapping.py / constants.py TENSOR_NAMES and convert_hf_to_gguf LlamaModel.permute.
using System.Text.RegularExpressions;

namespace R1Sharp.Formats.Gguf;

/// <summary>Tensor naming and layout helpers for exporting qwen2 / llama checkpoints to GGUF.</summary>
public static partial class GgufNames
{
    private static readonly Dictionary<string, string> LayerParts = new()
    {
        ["input_layernorm"] = "attn_norm",
        ["self_attn.q_proj"] = "attn_q",
        ["self_attn.k_proj"] = "attn_k",
        ["self_attn.v_proj"] = "attn_v",
        ["self_attn.o_proj"] = "attn_output",
        ["post_attention_layernorm"] = "ffn_norm",
        ["mlp.gate_proj"] = "ffn_gate",
        ["mlp.up_proj"] = "ffn_up",
        ["mlp.down_proj"] = "ffn_down",
    };

    [GeneratedRegex(@"^model\.layers\.(\d+)\.(.+)\.(weight|bias)$")]
    private static partial Regex LayerTensor();

    /// <summary>
    /// The GGUF name of an HF qwen2/llama tensor, or null when it has none (e.g. rotary inv_freq).
    /// Examples: "model.embed_tokens.weight" → "token_embd.weight"; "model.layers.3.self_attn.q_proj.bias" →
    /// "blk.3.attn_q.bias"; "lm_head.weight" → "output.weight"; "model.norm.weight" → "output_norm.weight".
    /// </summary>
    public static string? TryHfToGguf(string hfTensorName)
    {
        switch (hfTensorName)
        {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
        }
        Match m = LayerTensor().Match(hfTensorName);
        if (!m.Success || !LayerParts.TryGetValue(m.Groups[2].Value, out string? part)) return null;
        return $"blk.{m.Groups[1].Value}.{part}.{m.Groups[3].Value}";
    }

    /// <summary>Like <see cref="TryHfToGguf"/> but an unknown name is an <see cref="R1SharpException"/>.</summary>
    public static string HfToGguf(string hfTensorName) =>
        TryHfToGguf(hfTensorName) ?? throw new R1SharpException(
            $"tensor '{hfTensorName}' has no GGUF name for qwen2/llama; expected model.embed_tokens, model.layers.N.*, model.norm or lm_head");

    /// <summary>
    /// Permutes the rows of a llama q_proj/k_proj weight ([rows, cols] row-major; a bias is cols = 1) so that
    /// llama.cpp's adjacent-pair (NORM) RoPE reproduces HF's rotate-half RoPE:
    /// <c>w.reshape(nHead, 2, rows/nHead/2, cols).swapaxes(1, 2).reshape(rows, cols)</c> (k uses n_head_kv).
    /// Within each head of 2h rows, output row 2i+t is input row t·h+i. Example: one head of 4 rows
    /// [r0, r1, r2, r3] → [r0, r2, r1, r3].
    /// </summary>
    public static float[] PermuteLlamaQK(float[] w, int rows, int cols, int nHead)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (rows <= 0 || cols <= 0 || nHead <= 0 || (long)rows * cols != w.Length)
            throw new ArgumentException($"w has {w.Length} values, not rows {rows} × cols {cols}", nameof(w));
        if (rows % (2 * nHead) != 0)
            throw new R1SharpException($"cannot permute q/k for llama: rows {rows} is not a multiple of 2 × heads {nHead}; check num_attention_heads / num_key_value_heads");
        int perHead = rows / nHead, half = perHead / 2;
        var result = new float[w.Length];
        for (int h = 0; h < nHead; h++)
            for (int i = 0; i < half; i++)
                for (int t = 0; t < 2; t++)
                {
                    int src = h * perHead + t * half + i, dst = h * perHead + 2 * i + t;
                    Array.Copy(w, (long)src * cols, result, (long)dst * cols, cols);
                }
        return result;
    }
}
