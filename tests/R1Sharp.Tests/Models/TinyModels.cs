// Tiny random qwen2/llama models for the decoder tests, and a deliberately naive reference forward that follows
// the HF formulas step by step (per head, repeat_kv, full softmax) in float64.
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

internal static class TinyModels
{
    public static ModelConfig Qwen2(int kvHeads = 2, bool tie = false, int vocab = 67, int layers = 2) => new Qwen2Config
    {
        VocabSize = vocab, HiddenSize = 64, IntermediateSize = 96, NumHiddenLayers = layers, NumAttentionHeads = 4,
        NumKeyValueHeads = kvHeads, RmsNormEps = 1e-6, RopeTheta = 10000, TieWordEmbeddings = tie, MaxPositionEmbeddings = 512,
    };

    public static ModelConfig Llama(int kvHeads = 1, bool tie = false, bool llama3 = true, int vocab = 61) => new LlamaConfig
    {
        VocabSize = vocab, HiddenSize = 64, IntermediateSize = 80, NumHiddenLayers = 3, NumAttentionHeads = 4,
        NumKeyValueHeads = kvHeads, RmsNormEps = 1e-5, RopeTheta = 500000, TieWordEmbeddings = tie, MaxPositionEmbeddings = 512,
        // A short original context so the scaled band covers some of the 8 frequencies of head_dim 16.
        RopeScaling = llama3 ? new Llama3RopeScaling { Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 64 } : null,
    };

    /// <summary>A model with random weights (std <paramref name="std"/>), random norm scales and random biases (so every tensor matters).</summary>
    public static DecoderModel Create(ModelConfig config, long seed = 1, double std = 0.2)
    {
        var model = new DecoderModel(config);
        model.InitializeWeights(seed, std: std);
        using var noGrad = no_grad();
        using var gen = new Generator((ulong)seed + 1000);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.EndsWith("norm.weight")) p.normal_(1.0, 0.2, gen);
            else if (name.EndsWith(".bias")) p.normal_(0.0, 0.2, gen);
        }
        return model;
    }

    public static Tensor Ids(long[][] rows, long pad = 0)
    {
        int t = rows.Max(r => r.Length);
        var data = new long[rows.Length * t];
        for (int b = 0; b < rows.Length; b++)
            for (int i = 0; i < t; i++) data[b * t + i] = i < rows[b].Length ? rows[b][i] : pad;
        return tensor(data, new long[] { rows.Length, t });
    }

    public static long[] RandomTokens(Random rng, int n, int vocab) => Enumerable.Range(0, n).Select(_ => (long)rng.Next(vocab)).ToArray();

    /// <summary>Asserts max |a − b| ≤ 1e-5 · max(1, max |b|): fp32 rounding, relative to the logit scale.</summary>
    public static void AssertClose(Tensor actual, Tensor expected, string what = "")
    {
        double scale = Math.Max(1.0, expected.abs().max().to_type(ScalarType.Float64).item<double>());
        double diff = MaxDiff(actual, expected);
        Assert.True(diff <= 1e-5 * scale, $"{what} max diff {diff} at logit scale {scale}");
    }

    /// <summary>Max |a − b|.</summary>
    public static double MaxDiff(Tensor a, Tensor b)
    {
        using var d = (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max();
        return d.item<double>();
    }

    /// <summary>
    /// HF forward for one unpadded sequence, written out: logits (T, V) in float64. Reads parameters by their
    /// HF names from the state dict; inverse frequencies are recomputed here from the HF formulas.
    /// </summary>
    public static Tensor Reference(DecoderModel model, long[] ids)
    {
        var c = model.Config;
        var w = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float64));
        int t = ids.Length, nh = c.NumAttentionHeads, nkv = c.NumKeyValueHeads, d = c.HeadDim, g = nh / nkv;
        double[] inv = ReferenceInverseFrequencies(c);
        var h = w["model.embed_tokens.weight"].index_select(0, tensor(ids));                // (T, H)
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            var x = Norm(h, w[p + "input_layernorm.weight"], c.RmsNormEps);
            var q = Linear(x, w, p + "self_attn.q_proj").view(t, nh, d);
            var k = Linear(x, w, p + "self_attn.k_proj").view(t, nkv, d);
            var v = Linear(x, w, p + "self_attn.v_proj").view(t, nkv, d);
            q = RopeNaive(q, inv); k = RopeNaive(k, inv);
            var heads = new Tensor[nh];
            for (int head = 0; head < nh; head++)
            {
                var qh = q.select(1, head); var kh = k.select(1, head / g); var vh = v.select(1, head / g); // repeat_kv
                var scores = qh.matmul(kh.t()) / Math.Sqrt(d);
                var causal = ones(t, t, dtype: ScalarType.Bool).triu(1);
                scores = scores.masked_fill(causal, double.NegativeInfinity);
                heads[head] = scores.softmax(-1).matmul(vh);
            }
            var attn = Linear(cat(heads, -1), w, p + "self_attn.o_proj");
            h = h + attn;
            var y = Norm(h, w[p + "post_attention_layernorm.weight"], c.RmsNormEps);
            var gate = Linear(y, w, p + "mlp.gate_proj"); var up = Linear(y, w, p + "mlp.up_proj");
            h = h + Linear(gate * gate.sigmoid() * up, w, p + "mlp.down_proj");
        }
        h = Norm(h, w["model.norm.weight"], c.RmsNormEps);
        var head_ = w.TryGetValue("lm_head.weight", out var lm) ? lm : w["model.embed_tokens.weight"];
        return h.matmul(head_.t());
    }

    private static Tensor Linear(Tensor x, Dictionary<string, Tensor> w, string name)
    {
        var y = x.matmul(w[name + ".weight"].t());
        return w.TryGetValue(name + ".bias", out var b) ? y + b : y;
    }

    private static Tensor Norm(Tensor x, Tensor weight, double eps) =>
        x / (x.square().mean(new long[] { -1 }, keepdim: true) + eps).sqrt() * weight;

    private static Tensor RopeNaive(Tensor x, double[] inv)
    {
        // x (T, heads, D); pairs (i, i + D/2) rotate by angle pos·inv[i].
        long t = x.shape[0], d = x.shape[2], half = d / 2;
        var outp = x.clone();
        for (int pos = 0; pos < t; pos++)
            for (int i = 0; i < half; i++)
            {
                double a = pos * inv[i], cs = Math.Cos(a), sn = Math.Sin(a);
                var x1 = x[pos, TensorIndex.Colon, i]; var x2 = x[pos, TensorIndex.Colon, i + half];
                outp[pos, TensorIndex.Colon, i] = x1 * cs - x2 * sn;
                outp[pos, TensorIndex.Colon, i + half] = x2 * cs + x1 * sn;
            }
        return outp;
    }

    private static double[] ReferenceInverseFrequencies(ModelConfig c)
    {
        int d = c.HeadDim;
        var inv = Enumerable.Range(0, d / 2).Select(i => 1.0 / Math.Pow(c.RopeTheta, 2.0 * i / d)).ToArray();
        if (c.RopeScaling is Llama3RopeScaling s)
        {
            double lowWl = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor, highWl = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
            for (int i = 0; i < inv.Length; i++)
            {
                double wl = 2 * Math.PI / inv[i];
                double scaled = wl > lowWl ? inv[i] / s.Factor : inv[i];
                double smooth = (s.OriginalMaxPositionEmbeddings / wl - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                bool medium = !(wl < highWl) && !(wl > lowWl);
                inv[i] = medium ? (1 - smooth) * scaled / s.Factor + smooth * scaled : scaled;
            }
        }
        return inv;
    }
}
