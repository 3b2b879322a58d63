// Tiny random deepseek_v3 configs/models for the MLA/MoE tests, and a deliberately naive float64 reference forward that
// follows the HF/reference formulas step by step (adjacent-pair complex RoPE, per-head MHA, per-token router loop).
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

internal static class TinyDeepSeek
{
    /// <summary>4 layers (1 dense), 4 heads, 8 experts in <paramref name="groups"/> groups, YaRN with a short original context.</summary>
    public static DeepSeekV3Config Config(int? qLoraRank = 24, int groups = 4, int topkGroup = 2, int topK = 2, bool yarn = true,
        int layers = 4, int vocab = 71, int shared = 1, bool norm = true, int experts = 8) => new()
    {
        VocabSize = vocab, HiddenSize = 48, IntermediateSize = 80, NumHiddenLayers = layers, NumAttentionHeads = 4, NumKeyValueHeads = 4,
        QLoraRank = qLoraRank, KvLoraRank = 20, QkNopeHeadDim = 12, QkRopeHeadDim = 8, VHeadDim = 10,
        MoeIntermediateSize = 16, NRoutedExperts = experts, NSharedExperts = shared, NumExpertsPerTok = topK, NGroup = groups, TopkGroup = topkGroup,
        NormTopkProb = norm, RoutedScalingFactor = 2.5, FirstKDenseReplace = 1, MoeLayerFreq = 1, NumNextnPredictLayers = 0,
        RmsNormEps = 1e-6, RopeTheta = 10000, MaxPositionEmbeddings = 512, TieWordEmbeddings = false,
        RopeScaling = yarn ? new YarnRopeScaling { Factor = 4, OriginalMaxPositionEmbeddings = 64, BetaFast = 32, BetaSlow = 1, Mscale = 1, MscaleAllDim = 1 } : null,
    };

    /// <summary>A model with random weights, norm scales around 1 and a small random selection bias.</summary>
    public static DecoderModel Create(DeepSeekV3Config config, MlaPath path = MlaPath.Absorbed, long seed = 1)
    {
        var model = new DecoderModel(new DeepSeekV3Architecture(config, path));
        Randomize(model, seed);
        return model;
    }

    public static void Randomize(DecoderModel model, long seed)
    {
        model.InitializeWeights(seed, std: 0.2);
        using var noGrad = no_grad();
        using var gen = new Generator((ulong)seed + 1000);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.EndsWith("norm.weight")) p.normal_(1.0, 0.2, gen);
            else if (name.EndsWith("e_score_correction_bias")) p.normal_(0.0, 0.05, gen);
        }
    }

    /// <summary>Copies every parameter of <paramref name="from"/> into <paramref name="to"/> (same config, other MLA path).</summary>
    public static void CopyWeights(DecoderModel from, DecoderModel to)
    {
        var source = from.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = no_grad();
        foreach (var (name, p) in to.named_parameters()) p.copy_(source[name]);
    }

    /// <summary>Naive forward of one unpadded sequence: logits (T, V) in float64.</summary>
    public static Tensor Reference(DecoderModel model, long[] ids)
    {
        var c = (DeepSeekV3Config)model.Config;
        var w = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float64));
        int t = ids.Length, nh = c.NumAttentionHeads;
        double[] inv = YarnRope.InverseFrequencies(c).Select(f => (double)f).ToArray();
        double scale = 1.0 / Math.Sqrt(c.QkHeadDim);
        if (c.RopeScaling is YarnRopeScaling y) { double m = 0.1 * y.MscaleAllDim!.Value * Math.Log(y.Factor) + 1; scale *= m * m; }
        var h = w["model.embed_tokens.weight"].index_select(0, tensor(ids));
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            var x = Norm(h, w[p + "input_layernorm.weight"], c.RmsNormEps);
            var q = c.QLoraRank is null ? Lin(x, w, p + "self_attn.q_proj")
                : Lin(Norm(Lin(x, w, p + "self_attn.q_a_proj"), w[p + "self_attn.q_a_layernorm.weight"], c.RmsNormEps), w, p + "self_attn.q_b_proj");
            q = q.view(t, nh, c.QkHeadDim);
            var ckv = Lin(x, w, p + "self_attn.kv_a_proj_with_mqa");
            var kv = Lin(Norm(ckv.narrow(1, 0, c.KvLoraRank), w[p + "self_attn.kv_a_layernorm.weight"], c.RmsNormEps), w, p + "self_attn.kv_b_proj")
                .view(t, nh, c.QkNopeHeadDim + c.VHeadDim);
            var kPe = RopePairs(ckv.narrow(1, c.KvLoraRank, c.QkRopeHeadDim).unsqueeze(1), inv);           // (T, 1, rope)
            var qPe = RopePairs(q.narrow(2, c.QkNopeHeadDim, c.QkRopeHeadDim), inv);
            var heads = new Tensor[nh];
            for (int head = 0; head < nh; head++)
            {
                var qh = cat(new[] { q.select(1, head).narrow(1, 0, c.QkNopeHeadDim), qPe.select(1, head) }, 1);
                var kh = cat(new[] { kv.select(1, head).narrow(1, 0, c.QkNopeHeadDim), kPe.select(1, 0) }, 1);
                var vh = kv.select(1, head).narrow(1, c.QkNopeHeadDim, c.VHeadDim);
                var scores = qh.matmul(kh.t()) * scale;
                scores = scores.masked_fill(ones(t, t, dtype: ScalarType.Bool).triu(1), double.NegativeInfinity);
                heads[head] = scores.softmax(-1).matmul(vh);
            }
            h = h + Lin(cat(heads, -1), w, p + "self_attn.o_proj");
            var z = Norm(h, w[p + "post_attention_layernorm.weight"], c.RmsNormEps);
            h = h + (c.IsMoeLayer(l) ? Moe(z, w, p + "mlp.", c) : Mlp(z, w, p + "mlp."));
        }
        h = Norm(h, w["model.norm.weight"], c.RmsNormEps);
        return h.matmul(w["lm_head.weight"].t());
    }

    // Per token: sigmoid scores, biased choice, group top-2 sums, kept groups, top-k, renormalized unbiased weights.
    private static Tensor Moe(Tensor z, Dictionary<string, Tensor> w, string p, DeepSeekV3Config c)
    {
        var scores = z.matmul(w[p + "gate.weight"].t()).sigmoid();
        var bias = w[p + "gate.e_score_correction_bias"];
        int e = c.NRoutedExperts, perGroup = e / c.NGroup;
        var rows = new Tensor[z.shape[0]];
        for (int i = 0; i < rows.Length; i++)
        {
            double[] s = scores[i].data<double>().ToArray(), b = bias.data<double>().ToArray();
            double[] choice = s.Select((v, j) => v + b[j]).ToArray();
            var groupScore = Enumerable.Range(0, c.NGroup).Select(g => choice.Skip(g * perGroup).Take(perGroup).OrderByDescending(v => v).Take(2).Sum()).ToArray();
            var kept = Enumerable.Range(0, c.NGroup).OrderByDescending(g => groupScore[g]).Take(c.TopkGroup).ToHashSet();
            var chosen = Enumerable.Range(0, e).Where(j => kept.Contains(j / perGroup)).OrderByDescending(j => choice[j]).Take(c.NumExpertsPerTok).ToArray();
            double sum = chosen.Sum(j => s[j]);
            var y = zeros_like(z[i]);
            foreach (int j in chosen)
            {
                double weight = (c.NormTopkProb ? s[j] / (sum + 1e-20) : s[j]) * c.RoutedScalingFactor;
                y = y + Mlp(z[i].unsqueeze(0), w, $"{p}experts.{j}.").squeeze(0) * weight;
            }
            rows[i] = y;
        }
        var routed = stack(rows, 0);
        return c.NSharedExperts > 0 ? routed + Mlp(z, w, p + "shared_experts.") : routed;
    }

    private static Tensor Mlp(Tensor x, Dictionary<string, Tensor> w, string p)
    {
        var g = Lin(x, w, p + "gate_proj");
        return Lin(g * g.sigmoid() * Lin(x, w, p + "up_proj"), w, p + "down_proj");
    }

    private static Tensor Lin(Tensor x, Dictionary<string, Tensor> w, string name) => x.matmul(w[name + ".weight"].t());

    private static Tensor Norm(Tensor x, Tensor weight, double eps) =>
        x / (x.square().mean(new long[] { -1 }, keepdim: true) + eps).sqrt() * weight;

    // The reference code's view_as_complex RoPE: pair (x[2i], x[2i+1]) rotated by pos·inv[i]; layout kept.
    private static Tensor RopePairs(Tensor x, double[] inv)
    {
        long t = x.shape[0];
        var outp = x.clone();
        for (int pos = 0; pos < t; pos++)
            for (int i = 0; i < inv.Length; i++)
            {
                double a = pos * inv[i], cs = Math.Cos(a), sn = Math.Sin(a);
                var re = x[pos, TensorIndex.Colon, 2 * i]; var im = x[pos, TensorIndex.Colon, 2 * i + 1];
                outp[pos, TensorIndex.Colon, 2 * i] = re * cs - im * sn;
                outp[pos, TensorIndex.Colon, 2 * i + 1] = re * sn + im * cs;
            }
        return outp;
    }
}
