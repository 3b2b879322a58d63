// The attention probe of V3Probe: where does the copy step look? At a completion position whose input is a term's
// label (" c" in "9 + c|2") the model must copy the digit after that label in the prompt; the probe recomputes every
// layer's attention probabilities (MLA or dense) and reports, per layer and head, the mean attention mass on that
// prompt digit and on the prompt label, and the previous-token mass at prompt digits (the first half of an induction
// circuit: the digit's position learns which label precedes it).
using System.Globalization;
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Tensors;
using R1Sharp.Text;
using static TorchSharp.torch;

namespace R1Sharp.Bench;

public static partial class V3Probe
{
    private static void Probe(DecoderModel model, List<(int[] Prompt, int[] Completion)> docs, TokenKinds kinds, HfTokenizer tokenizer)
    {
        using var noGrad = no_grad();
        int layers = model.Config.NumHiddenLayers, heads = model.Config.NumAttentionHeads;
        var toDigit = new double[layers, heads];
        var toLabel = new double[layers, heads];
        var toDigits = new double[layers, heads];
        var previous = new double[layers, heads];
        int copies = 0, digits = 0;
        foreach (var (p, c) in docs)
        {
            using var scope = NewDisposeScope();
            int[] ids = [.. p, .. c[..^1]];
            var probs = Attention(model, ids);                                   // per layer (H, T, T)
            var kind = kinds.Classify(p[^1], c);
            for (int j = 0; j < c.Length; j++)
            {
                if (kind[j] != 0) continue;                                      // copy targets only
                int q = p.Length - 1 + j, label = Array.LastIndexOf(p, ids[q]);
                if (label < 0 || label + 1 >= p.Length) continue;
                copies++;
                for (int l = 0; l < layers; l++)
                    for (int h = 0; h < heads; h++)
                    {
                        toDigit[l, h] += probs[l][h][q][label + 1];
                        toLabel[l, h] += probs[l][h][q][label];
                        for (int s = 1; s < p.Length; s++)
                            if (kinds.IsDigit(p[s]) && kinds.IsLabel(p[s - 1])) toDigits[l, h] += probs[l][h][q][s];
                    }
            }
            for (int s = 1; s < p.Length; s++)                                  // prompt digits after a label
            {
                if (!kinds.IsDigit(p[s]) || !kinds.IsLabel(p[s - 1])) continue;
                digits++;
                for (int l = 0; l < layers; l++)
                    for (int h = 0; h < heads; h++) previous[l, h] += probs[l][h][s][s - 1];
            }
        }
        Console.WriteLine($"attention probe: {copies} copy steps, {digits} prompt digits in {docs.Count} held-out worked solutions");
        Console.WriteLine("layer head  copy->prompt digit  copy->prompt label  copy->all prompt digits  prompt digit->its label (prev token)");
        for (int l = 0; l < layers; l++)
            for (int h = 0; h < heads; h++)
                Console.WriteLine(FormattableString.Invariant(
                    $"{l,5} {h,4}  {toDigit[l, h] / Math.Max(1, copies),18:0.000}  {toLabel[l, h] / Math.Max(1, copies),18:0.000}  {toDigits[l, h] / Math.Max(1, copies),23:0.000}  {previous[l, h] / Math.Max(1, digits),12:0.000}"));
        Console.WriteLine(Norms(model));
        _ = tokenizer;
    }

    // Attention probabilities [layer][head][query][key] of one sequence, recomputed from each layer's weights.
    private static float[][][][] Attention(DecoderModel model, int[] ids)
    {
        long t = ids.Length;
        using var input = tensor(ids.Select(i => (long)i).ToArray(), [1, t]);
        using var positions = SafeOps.Range(0, t, input.device).unsqueeze(0);
        using var inv = tensor(model.InverseFrequencies);
        var (cos, sin) = Rope.CosSin(positions, inv, ScalarType.Float32);
        using var ctx = new DecoderContext { Cos = cos, Sin = sin, Start = 0, QueryLength = t, IsPlainCausal = true };
        using var future = ones(t, t, dtype: ScalarType.Bool).triu(1);
        var h = model.model.embed_tokens.forward(input);
        var result = new List<float[][][]>();
        foreach (var layer in model.model.layers)
        {
            var scores = layer switch
            {
                DeepSeekV3DecoderLayer v3 => MlaScores(v3, (DeepSeekV3Config)model.Config, v3.input_layernorm.forward(h), cos, sin),
                DenseDecoderLayer dense => DenseScores(dense, model.Config, dense.input_layernorm.forward(h), cos, sin),
                _ => throw new NotSupportedException(layer.GetType().Name),
            };
            var probs = scores.MaskedFill(future, double.NegativeInfinity).softmax(-1)[0];   // (H, T, T)
            int heads = (int)probs.shape[0];
            float[] flat = probs.contiguous().data<float>().ToArray();
            result.Add([.. Enumerable.Range(0, heads).Select(hh => Enumerable.Range(0, (int)t).Select(qq =>
                flat.AsSpan((int)((hh * t + qq) * t), (int)t).ToArray()).ToArray())]);
            h = layer.Forward(h, ctx);
        }
        return [.. result];
    }

    // MLA: (q_nope·k_nope + q_pe·k_pe) × softmax scale, k_nope decompressed from the normalized latent.
    private static Tensor MlaScores(DeepSeekV3DecoderLayer layer, DeepSeekV3Config c, Tensor x, Tensor cos, Tensor sin)
    {
        var a = layer.self_attn;
        long t = x.shape[1], heads = c.NumAttentionHeads, nope = c.QkNopeHeadDim, rope = c.QkRopeHeadDim, rank = c.KvLoraRank;
        var q = (a.q_proj is { } full ? full.forward(x) : a.q_b_proj!.forward(a.q_a_layernorm!.forward(a.q_a_proj!.forward(x)))).view(1, t, heads, nope + rope);
        var qPe = YarnRope.ApplyInterleaved(q.narrow(3, nope, rope), cos, sin);
        var ckv = a.kv_a_proj_with_mqa.forward(x);
        var latent = a.kv_a_layernorm.forward(ckv.narrow(2, 0, rank));
        var kPe = YarnRope.ApplyInterleaved(ckv.narrow(2, rank, rope).unsqueeze(2), cos, sin).squeeze(2);
        var kNope = a.kv_b_proj.forward(latent).view(1, t, heads, nope + c.VHeadDim).narrow(3, 0, nope);
        var scores = einsum("bqhd,bkhd->bhqk", q.narrow(3, 0, nope), kNope).Plus(einsum("bqhd,bkd->bhqk", qPe, kPe));
        return scores.Times(YarnRope.SoftmaxScale(c));
    }

    // Dense (qwen2/llama): rotate-half RoPE, KV heads repeated for GQA, scale 1/√head_dim.
    private static Tensor DenseScores(DenseDecoderLayer layer, ModelConfig c, Tensor x, Tensor cos, Tensor sin)
    {
        var a = layer.self_attn;
        long t = x.shape[1], heads = c.NumAttentionHeads, kv = c.NumKeyValueHeads, d = c.HeadDim;
        var q = Rope.Apply(a.q_proj.forward(x).view(1, t, heads, d), cos, sin);
        var k = Rope.Apply(a.k_proj.forward(x).view(1, t, kv, d), cos, sin).repeat_interleave(heads / kv, 2);
        return einsum("bqhd,bkhd->bhqk", q, k).Times(1.0 / Math.Sqrt(d));
    }
}

/// <summary>Kinds of completion tokens: 0 copy (digit after a label), 1 sum (after "="), 2 carry (after ","), 3 answer, 4 other.</summary>
internal sealed class TokenKinds(HfTokenizer tokenizer)
{
    public static readonly string[] Names = ["copy", "sum", "carry", "answer", "other"];
    private readonly Dictionary<int, string> _text = [];

    private string Text(int id) => _text.TryGetValue(id, out var s) ? s : _text[id] = tokenizer.Decode([id]).Trim();
    // English and the bilingual task's Chinese forms: digits 0–9 / 零…九, labels a–h / 甲…癸, "=" / 得, "," / ，.
    public bool IsDigit(int id) => Text(id) is { Length: 1 } s && (char.IsAsciiDigit(s[0]) || "零一二三四五六七八九".Contains(s[0]));
    public bool IsLabel(int id) => Text(id) is { Length: 1 } s && (s[0] is >= 'a' and <= 'h' || "甲乙丙丁戊己庚辛壬癸".Contains(s[0]));
    public int Of(int previous, int target, bool inAnswer) =>
        !IsDigit(target) ? 4 : inAnswer ? 3 : IsLabel(previous) ? 0 : Text(previous) is "=" or "得" ? 1 : Text(previous) is "," or "，" ? 2 : 4;

    public int[] Classify(int promptLast, int[] completion)
    {
        var kinds = new int[completion.Length];
        var seen = new System.Text.StringBuilder();
        for (int j = 0; j < completion.Length; j++)
        {
            int back = j - 1;
            while (back >= 0 && Text(completion[back]).Length == 0) back--;     // " " before a digit is its own token
            kinds[j] = Of(back < 0 ? promptLast : completion[back], completion[j], seen.ToString().Contains("<answer>", StringComparison.Ordinal));
            seen.Append(tokenizer.Decode([completion[j]]));
        }
        return kinds;
    }
}
