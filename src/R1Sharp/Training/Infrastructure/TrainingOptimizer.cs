// AdamW for training recipes (SFT, GRPO): HF Trainer's parameter groups (no weight decay on biases and norm
// weights, transformers Trainer.get_decay_parameter_names), per-step learning rate, global-norm clipping, and the
// optimizer state saved as optimizer.safetensors (exp_avg / exp_avg_sq per parameter, step counts in the metadata).
using R1Sharp.Tensors;
using System.Globalization;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Training.Infrastructure;

/// <summary>AdamW hyper-parameters (TrainingArguments names in the doc comments).</summary>
/// <param name="LearningRate">Peak learning rate (learning_rate); the schedule sets the per-step value.</param>
/// <param name="Beta1">adam_beta1.</param>
/// <param name="Beta2">adam_beta2.</param>
/// <param name="Epsilon">adam_epsilon.</param>
/// <param name="WeightDecay">Decoupled weight decay (weight_decay), applied to matrices and embeddings only.</param>
public sealed record AdamWOptions(double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8, double WeightDecay = 0.0);

/// <summary>
/// A TorchSharp AdamW over a module's parameters in two groups (decay / no decay), with the parameter names kept
/// in the optimizer's state order so the state can be saved and restored by name.
/// </summary>
public sealed class TrainingOptimizer : IDisposable
{
    private readonly AdamW _adam;
    private readonly (string Name, Parameter Parameter)[] _ordered;

    private TrainingOptimizer(AdamW adam, (string, Parameter)[] ordered) => (_adam, _ordered) = (adam, ordered);

    /// <summary>The parameters in optimizer-state order (decayed group first), with their names.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters => _ordered;

    /// <summary>The wrapped TorchSharp optimizer.</summary>
    public AdamW Inner => _adam;

    /// <summary>
    /// True when weight decay applies to <paramref name="parameterName"/>: not for biases and not for the weights of
    /// norm modules (any module whose name contains "norm", e.g. input_layernorm, q_norm, model.norm), as HF Trainer.
    /// Embeddings and the LM head are decayed (HF does too).
    /// </summary>
    public static bool DecaysWeight(string parameterName)
    {
        if (parameterName.EndsWith(".bias", StringComparison.Ordinal) || parameterName == "bias") return false;
        int dot = parameterName.LastIndexOf('.');
        string module = dot < 0 ? "" : parameterName[..dot];
        int prev = module.LastIndexOf('.');
        string leaf = prev < 0 ? module : module[(prev + 1)..];
        return !leaf.Contains("norm", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>AdamW over every parameter of <paramref name="module"/> that requires a gradient.</summary>
    public static TrainingOptimizer Create(nn.Module module, AdamWOptions options, Func<string, bool>? decays = null) =>
        Create(module.named_parameters().Select(p => (p.name, p.parameter)), options, decays);

    /// <summary>
    /// AdamW over the named <paramref name="parameters"/> that require a gradient (e.g. <see cref="DecoderModel.CheckpointParameters"/>,
    /// which adds attached MTP layers to the model's own); names key the saved optimizer state. <paramref name="decays"/>
    /// picks the parameters that get weight decay (default <see cref="DecaysWeight"/>; <c>_ =&gt; true</c> decays every
    /// one, as <c>optim.AdamW(model.parameters())</c> does).
    /// </summary>
    public static TrainingOptimizer Create(IEnumerable<(string Name, Parameter Parameter)> parameters, AdamWOptions options,
        Func<string, bool>? decays = null)
    {
        decays ??= DecaysWeight;
        var all = parameters.Where(p => p.Parameter.requires_grad).ToArray();
        var decay = all.Where(p => decays(p.Name)).ToArray();
        var noDecay = all.Where(p => !decays(p.Name)).ToArray();
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Length > 0)
            groups.Add(new AdamW.ParamGroup(decay.Select(p => p.Parameter), options.LearningRate, options.Beta1, options.Beta2,
                options.Epsilon, options.WeightDecay, false, false));
        if (noDecay.Length > 0)
            groups.Add(new AdamW.ParamGroup(noDecay.Select(p => p.Parameter), options.LearningRate, options.Beta1, options.Beta2,
                options.Epsilon, 0.0, false, false));
        var adam = new AdamW(groups, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, false, false);
        return new TrainingOptimizer(adam, decay.Concat(noDecay).ToArray());
    }

    /// <summary>Sets the learning rate of every group (call once per step with the schedule's value).</summary>
    public void SetLearningRate(double lr)
    {
        foreach (var g in _adam.ParamGroups) g.LearningRate = lr;
    }

    /// <summary>Clears the gradients (as <c>AdamW.zero_grad()</c>, whose <c>grad.zero_()</c> leaves the new Tensor object
    /// TorchSharp's zero_() returns to the finalizer).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in _ordered)
        {
            using var grad = p.grad;
            if (grad is not null) grad.zero_().Dispose();
        }
    }

    /// <summary>
    /// One AdamW update with the current gradients (PyTorch's AdamW, amsgrad off): decoupled decay
    /// <c>p ← p·(1 − lr·wd)</c>, moments <c>m ← β₁m + (1−β₁)g</c>, <c>v ← β₂v + (1−β₂)g²</c>, then
    /// <c>p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)</c>. Parameters without a gradient are skipped (their step stays).
    /// </summary>
    /// <remarks>
    /// Written out rather than calling <c>AdamW.step()</c>: TorchSharp passes temporary <see cref="Scalar"/>s (e.g.
    /// <c>alpha: 1 − β₁</c>) to native calls without keeping them alive, and a garbage collection started by another
    /// thread can finalize one mid-call (seen as "Expected false to be true" from c10 Scalar::toFloat in
    /// THSTensor_add_). Here every scalar is a local disposed after the loop, so it lives through every call.
    /// </remarks>
    public void Step()
    {
        var states = States();
        using var noGrad = no_grad();
        int i = 0;
        foreach (var group in _adam.ParamGroups.Cast<AdamW.ParamGroup>())
        {
            var o = (AdamW.Options)group.Options;
            double lr = group.LearningRate, beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, eps = o.eps!.Value, wd = o.weight_decay!.Value;
            using Scalar decay = 1 - lr * wd, b1 = beta1, b2 = beta2, oneMinusB1 = 1 - beta1, oneMinusB2 = 1 - beta2, epsilon = eps;
            foreach (var p in group.Parameters)
            {
                var state = states[i++];
                using var grad = p.grad;
                if (grad is null) continue;
                using var scope = NewDisposeScope();
                state.step++;
                double correction1 = 1 - Math.Pow(beta1, state.step), correction2 = 1 - Math.Pow(beta2, state.step);
                using Scalar stepSize = -lr / correction1, rootCorrection2 = Math.Sqrt(correction2);
                if (wd != 0) p.mul_(decay);
                state.exp_avg.mul_(b1).add_(grad, oneMinusB1);
                state.exp_avg_sq.mul_(b2).addcmul_(grad, grad, oneMinusB2);
                var denominator = state.exp_avg_sq.sqrt().div_(rootCorrection2).add_(epsilon, Scalars.One);
                p.addcdiv_(state.exp_avg, denominator, stepSize);
            }
        }
    }

    /// <summary>Scales the gradients to a global L2 norm of at most <paramref name="maxNorm"/>; see <see cref="GradientClipping"/>.</summary>
    public double ClipGradNorm(double maxNorm) => GradientClipping.ClipGlobalNorm(_ordered.Select(p => p.Parameter), maxNorm);

    /// <summary>The AdamW states in parameter order (live objects: changing them changes the optimizer).</summary>
    private IReadOnlyList<AdamW.State> States()
    {
        var states = _adam.state_dict().State;
        if (states.Count != _ordered.Length)
            throw new InvalidOperationException($"AdamW holds {states.Count} states for {_ordered.Length} parameters");
        return states.Cast<AdamW.State>().ToArray();
    }

    /// <summary>Writes exp_avg and exp_avg_sq of every parameter as F32 tensors "NAME.exp_avg" / "NAME.exp_avg_sq",
    /// and each step count as metadata "step.NAME", to <paramref name="path"/> (atomically).</summary>
    public void Save(string path)
    {
        var states = States();
        var entries = new List<SafetensorsEntry>(2 * _ordered.Length);
        var metadata = new Dictionary<string, string> { ["format"] = "r1sharp-adamw" };
        for (int i = 0; i < _ordered.Length; i++)
        {
            var (name, _) = _ordered[i];
            var s = states[i];
            entries.Add(Entry(name + ".exp_avg", s.exp_avg));
            entries.Add(Entry(name + ".exp_avg_sq", s.exp_avg_sq));
            metadata["step." + name] = s.step.ToString(CultureInfo.InvariantCulture);
        }
        SafetensorsWriter.Write(path, entries, metadata);
    }

    private static SafetensorsEntry Entry(string name, Tensor t) =>
        SafetensorsEntry.FromStream(name, SafetensorsDType.F32, t.shape, s => WeightCopy.WriteTo(t, s));

    /// <summary>Restores the state written by <see cref="Save"/>; every parameter must be present with its shape.</summary>
    /// <exception cref="R1SharpException">The file is missing, unreadable, or belongs to another model.</exception>
    public void Load(string path)
    {
        if (!File.Exists(path)) throw new R1SharpException($"{path}: optimizer state not found; the checkpoint is incomplete");
        using var file = SafetensorsFile.Open(path);
        var states = States();
        using var noGrad = no_grad();
        for (int i = 0; i < _ordered.Length; i++)
        {
            var (name, p) = _ordered[i];
            var s = states[i];
            Fill(file, name + ".exp_avg", s.exp_avg, p, path);
            Fill(file, name + ".exp_avg_sq", s.exp_avg_sq, p, path);
            if (!file.Metadata.TryGetValue("step." + name, out var stepText) || !long.TryParse(stepText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long step))
                throw new R1SharpException($"{path}: metadata 'step.{name}' missing or not an integer; the optimizer state is corrupt");
            s.step = step;
        }
    }

    private static void Fill(SafetensorsFile file, string name, Tensor destination, Parameter p, string path)
    {
        if (!file.Contains(name))
            throw new R1SharpException($"{path}: tensor '{name}' missing; the optimizer state belongs to another model");
        var info = file.GetInfo(name);
        if (!info.Shape.SequenceEqual(p.shape) || info.DType != SafetensorsDType.F32)
            throw new R1SharpException($"{path}: tensor '{name}' is {info.DType.ToHeaderString()} {info.ShapeText}, expected F32 [{string.Join(", ", p.shape)}]");
        WeightCopy.Fill(destination, info.DType, (offset, span) => file.GetBytes(name, offset, span.Length).CopyTo(span));
    }

    /// <summary>Zeroes every parameter's AdamW moments and step count, as a fresh optimizer (ProRL's reference resets).</summary>
    public void ResetState()
    {
        using var noGrad = no_grad();
        foreach (var s in States())
        {
            s.exp_avg.zero_();
            s.exp_avg_sq.zero_();
            s.step = 0;
        }
    }

    /// <summary>Frees the optimizer state.</summary>
    public void Dispose() => _adam.Dispose();
}
