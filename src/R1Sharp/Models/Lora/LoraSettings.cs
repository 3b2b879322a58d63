// LoRA hyper-parameters (Hu et al. 2021, "LoRA: Low-Rank Adaptation"; rsLoRA: Kalajdzievski 2023) under the names of
// TRL's ModelConfig and PEFT's LoraConfig, and PEFT's rule for which modules a target list selects.
namespace R1Sharp.Models.Lora;

/// <summary>
/// What <see cref="LoraAttach.Attach"/> adds: rank <see cref="R"/> adapters <c>ΔW = s·B·A</c> on the projections named by
/// <see cref="TargetModules"/>, with <c>s = alpha / r</c> (or <c>alpha / √r</c> with rsLoRA).
/// </summary>
/// <param name="R">Rank r (TRL lora_r, 16).</param>
/// <param name="Alpha">α (TRL lora_alpha, 32).</param>
/// <param name="Dropout">Dropout on the adapter's input while training (TRL lora_dropout, 0.05).</param>
/// <param name="TargetModules">Module names (q_proj, v_proj, …; a name matches a module whose full name equals it or ends
/// with "." + it, as PEFT) or the single entry "all-linear" (every projection except the output head). TRL's default
/// (null there) lets PEFT pick q_proj and v_proj for qwen2/llama; the same default here.</param>
/// <param name="UseRslora">rsLoRA scaling α/√r instead of α/r (TRL use_rslora).</param>
/// <param name="IncludeExperts">Also adapt the routed experts of a DeepSeekMoE layer (<c>mlp.experts.N.*</c>) when their
/// names match; false (default) keeps them frozen without adapters (shared experts and dense layers are adapted).</param>
public sealed record LoraSettings(int R = 16, double Alpha = 32, double Dropout = 0.05, IReadOnlyList<string>? TargetModules = null,
    bool UseRslora = false, bool IncludeExperts = false)
{
    /// <summary>The target-list entry that selects every projection but the output head (PEFT's "all-linear").</summary>
    public const string AllLinear = "all-linear";

    /// <summary>PEFT's default targets for qwen2/llama (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING).</summary>
    public static readonly IReadOnlyList<string> DefaultTargets = ["q_proj", "v_proj"];

    /// <summary>The targets in effect (<see cref="DefaultTargets"/> when none were given).</summary>
    public IReadOnlyList<string> Targets => TargetModules is { Count: > 0 } t ? t : DefaultTargets;

    /// <summary>
    /// The scale s of ΔW = s·B·A: α/r, or α/√r with rsLoRA. Example: r = 16, α = 32 → 2; with rsLoRA → 8.
    /// </summary>
    public double Scaling => UseRslora ? Alpha / Math.Sqrt(R) : Alpha / R;

    /// <summary>Checks the values; the message names the TRL key to change.</summary>
    /// <exception cref="R1SharpException">A bad value.</exception>
    public LoraSettings Validate()
    {
        if (R < 1) throw new R1SharpException($"lora_r must be >= 1, got {R}");
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw new R1SharpException($"lora_alpha must be a positive number, got {Alpha}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new R1SharpException($"lora_dropout must be in [0, 1), got {Dropout}");
        if (Targets.Any(string.IsNullOrWhiteSpace)) throw new R1SharpException("lora_target_modules has an empty name");
        if (Targets.Contains("lm_head"))
            throw new R1SharpException("lora_target_modules: adapters on lm_head are not implemented; adapt the layers' projections");
        if (Targets.Contains(AllLinear) && Targets.Count > 1)
            throw new R1SharpException($"lora_target_modules: \"{AllLinear}\" stands alone; drop the other names or list names only");
        return this;
    }

    /// <summary>
    /// True when the projection <paramref name="moduleName"/> (its full name, e.g. <c>model.layers.0.self_attn.q_proj</c>)
    /// gets an adapter. Examples: ["q_proj"] selects <c>model.layers.3.self_attn.q_proj</c>, not <c>…q_a_proj</c>;
    /// "all-linear" selects every projection but <c>lm_head</c>; routed experts only with <see cref="IncludeExperts"/>.
    /// </summary>
    public bool Selects(string moduleName)
    {
        if (moduleName == "lm_head") return false;   // the head is read directly by the forward (Validate refuses it)
        if (!IncludeExperts && moduleName.Contains(".mlp.experts.", StringComparison.Ordinal)) return false;
        if (Targets.Count == 1 && Targets[0] == AllLinear) return true;
        return Targets.Any(t => moduleName == t || moduleName.EndsWith("." + t, StringComparison.Ordinal));
    }
}
