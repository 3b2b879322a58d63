// One LoRA adapter (Hu et al. 2021): y = W·x + s·B·A·dropout(x), A (r, in), B (out, r), initialised as PEFT does
// (peft/tuners/lora/layer.py reset_lora_parameters: A kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in); B zeros, so
// the adapted model starts equal to the base). The adapter is fp32 whatever the base holds (fp32, bf16, int8, int4).
using R1Sharp.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Models.Lora;

/// <summary>The trainable low-rank pair of one projection; not a registered submodule, so the base model's state dict
/// and checkpoints never see it (<see cref="LoraAdapters"/> names and saves it).</summary>
public sealed class LoraAdapter : IDisposable
{
    /// <summary>lora_A.weight, (r, in), fp32.</summary>
    public Parameter A { get; }
    /// <summary>lora_B.weight, (out, r), fp32.</summary>
    public Parameter B { get; }
    /// <summary>s = α/r (or α/√r).</summary>
    public double Scaling { get; }
    /// <summary>Dropout probability on the adapter's input while training.</summary>
    public double Dropout { get; }

    /// <summary>An adapter for an (out, in) projection: A drawn from <paramref name="generator"/>, B zero.</summary>
    public LoraAdapter(long inFeatures, long outFeatures, LoraSettings settings, Generator? generator)
    {
        Scaling = settings.Scaling;
        Dropout = settings.Dropout;
        using (no_grad())
        {
            var a = empty(settings.R, inFeatures, ScalarType.Float32);
            double bound = 1.0 / Math.Sqrt(inFeatures);   // kaiming_uniform_(a=√5): gain √(1/3) · √3 / √fan_in
            a.uniform_(-bound, bound, generator);
            A = Parameters.Adopt(a);
            B = Parameters.Adopt(zeros(outFeatures, settings.R, ScalarType.Float32));
        }
    }

    /// <summary>False while <see cref="LoraAdapters.Disable"/> holds: the projection computes its base alone.</summary>
    internal bool Enabled { get; set; } = true;

    /// <summary>Set while a checkpointed layer runs its forward without autograd (CheckpointedLayer): that forward is a
    /// training forward, so dropout applies as in its rerun in backward.</summary>
    [ThreadStatic] internal static bool InCheckpointedForward;

    /// <summary>Rank r.</summary>
    public long Rank => A.shape[0];

    /// <summary>s·B·A·dropout(x) for x (…, in) of any float dtype, returned in x's dtype (…, out). Dropout only in a
    /// training forward that records gradients: a no-grad pass (rollouts, reference log-probs, evaluation) is deterministic
    /// even on a module left in training mode.</summary>
    public Tensor Delta(Tensor x, bool training)
    {
        using var scope = NewDisposeScope();
        var input = x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);
        if (training && Dropout > 0 && (is_grad_enabled() || InCheckpointedForward)) input = nn.functional.dropout(input, Dropout, true);
        var delta = nn.functional.linear(nn.functional.linear(input, A), B).Times(Scaling);
        return (delta.dtype == x.dtype ? delta : delta.to_type(x.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>s·B·A, (out, in), fp32 (what merging adds to W).</summary>
    public Tensor DeltaWeight()
    {
        using var noGrad = no_grad();
        using var product = B.matmul(A);
        return product.Times(Scaling);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
