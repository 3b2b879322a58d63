// Moving the reference policy during GRPO: TR-DPO's soft update π_ref ← α·π_θ + (1 − α)·π_ref every τ steps
// (arXiv 2404.09656; TRL sync_ref_model / SyncRefModelCallback) and ProRL's hard reset of the reference and the optimizer
// (arXiv 2505.24864 §3.2). Pure parameter arithmetic; the trainer decides when.
using R1Sharp.Tensors;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>See the file header.</summary>
public static class ReferencePolicy
{
    /// <summary>True after optimizer step <paramref name="step"/> (1-based) when an update every <paramref name="every"/>
    /// steps is due (TRL: global_step % ref_model_sync_steps == 0). every ≤ 0: never.</summary>
    /// <example>every 3: steps 3, 6, 9 are due.</example>
    public static bool IsDue(int step, int every) => every > 0 && step > 0 && step % every == 0;

    /// <summary>In place: reference ← α·policy + (1 − α)·reference, no autograd (α = 1 is a hard copy).</summary>
    /// <example>ref 1, policy 3, α 0.6: 0.6·3 + 0.4·1 = 2.2.</example>
    public static void Mix(Tensor reference, Tensor policy, double alpha)
    {
        if (!(alpha > 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "must be in (0, 1]");
        using var noGrad = no_grad();
        if (alpha == 1) { reference.copy_(policy); return; }
        using var converted = policy.dtype == reference.dtype ? null : policy.to_type(reference.dtype);
        reference.TimesInPlace(1 - alpha).PlusScaledInPlace(converted ?? policy, alpha);
    }

    /// <summary>Mixes every parameter of <paramref name="reference"/> toward the same-named one of <paramref name="policy"/>.</summary>
    public static void MixModel(TorchSharp.torch.nn.Module reference, TorchSharp.torch.nn.Module policy, double alpha)
    {
        var source = policy.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in reference.named_parameters())
            Mix(p, source.TryGetValue(name, out var q) ? q : throw new InvalidOperationException($"policy has no parameter {name}"), alpha);
    }
}
