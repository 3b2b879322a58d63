// Gradients of the deepseek_v3 decoder that training uses: autograd against central finite differences, one random
// direction per parameter tensor (MLA plain and absorbed, q_lora on/off, MoE router and experts, tied embeddings).
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public class DeepSeekV3GradientTests
{
    [Theory]
    [InlineData(MlaPath.Absorbed, 24, false)]
    [InlineData(MlaPath.Plain, 24, false)]
    [InlineData(MlaPath.Absorbed, null, true)]
    [InlineData(MlaPath.Plain, null, true)]
    public void Autograd_gradients_equal_finite_differences_for_every_parameter(MlaPath path, int? qLoraRank, bool tied)
    {
        var config = TinyDeepSeek.Config(qLoraRank, layers: 2, vocab: 37) with { TieWordEmbeddings = tied };
        using var model = new DecoderModel(new DeepSeekV3Architecture(config, path), ScalarType.Float64);
        TinyDeepSeek.Randomize(model, 5);
        var rng = new Random(11);
        using var ids = tensor(TinyModels.RandomTokens(rng, 2 * 9, config.VocabSize)).view(2, 9);
        using var targets = tensor(TinyModels.RandomTokens(rng, 2 * 9, config.VocabSize)).view(2, 9);
        double Loss() => WithLoss(model, ids, targets, l => l.item<double>());
        WithLoss(model, ids, targets, l => { l.backward(); return 0.0; });

        using var gen = new Generator(7);
        var failures = new List<string>();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!p.requires_grad) continue;                       // the MoE selection bias never gets a gradient
            using var direction = randn(p.shape, ScalarType.Float64, generator: gen);
            // An expert no token chose has no gradient at all: its finite difference must then be 0 too.
            double analytic = p.grad is { } g ? (g * direction).sum().item<double>() : 0.0;
            const double eps = 1e-4;
            double plus, minus;
            using (no_grad())
            {
                p.add_(direction, eps); plus = Loss();
                p.add_(direction, -2 * eps); minus = Loss();
                p.add_(direction, eps);
            }
            double numeric = (plus - minus) / (2 * eps);
            if (Math.Abs(numeric - analytic) > 2e-3 + 2e-3 * Math.Abs(numeric))
                failures.Add($"{name}: autograd {analytic:G6}, finite differences {numeric:G6}");
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    private static double WithLoss(DecoderModel model, Tensor ids, Tensor targets, Func<Tensor, double> use)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(ids);
        var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1));
        return use(loss);
    }
}
