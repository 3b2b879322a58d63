// Putting LoRA adapters on a DecoderModel (PEFT get_peft_model): every selected projection of qwen2, llama and
// deepseek_v3 layers (q/k/v/o, MLA's q_a/q_b/kv_a/kv_b, MLP and shared/routed experts) gets one; the base is frozen.
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.Lora;

/// <summary>Attaches adapters and adds their outputs.</summary>
public static class LoraAttach
{
    /// <summary>
    /// Freezes every parameter of <paramref name="model"/> and attaches a fresh adapter (A drawn from
    /// <paramref name="seed"/>, B zero) to each projection <paramref name="settings"/> selects. Generation then takes
    /// the TorchSharp forward (the decode kernels do not apply adapters).
    /// </summary>
    /// <exception cref="R1SharpException">Bad settings, adapters already attached, or no projection selected.</exception>
    public static LoraAdapters Attach(DecoderModel model, LoraSettings settings, long seed)
    {
        settings.Validate();
        if (model.Adapters is not null) throw new R1SharpException("the model already has LoRA adapters");
        var selected = Projections(model).Where(p => settings.Selects(p.Name)).ToList();
        if (selected.Count == 0)
            throw new R1SharpException($"lora_target_modules [{string.Join(", ", settings.Targets)}] selects no projection of this {model.Config.ModelType} model; use names such as q_proj, v_proj, o_proj, gate_proj, up_proj, down_proj or \"all-linear\"");
        using var generator = new Generator((ulong)seed);
        var adapters = new List<(string, LoraAdapter)>();
        foreach (var (name, p) in selected)
        {
            var adapter = new LoraAdapter(p.weight.shape[1], p.weight.shape[0], settings, generator);
            p.Adapter = adapter;
            adapters.Add((name, adapter));
        }
        return Install(model, settings, adapters);
    }

    /// <summary>Freezes the base and records the adapters on the model (the decode kernels read them from the projections).</summary>
    internal static LoraAdapters Install(DecoderModel model, LoraSettings settings, List<(string Name, LoraAdapter Adapter)> adapters)
    {
        foreach (var (_, p) in model.CheckpointParameters()) p.requires_grad = false;
        var result = new LoraAdapters(model, settings, adapters);
        model.Adapters = result;
        return result;
    }

    /// <summary>Every projection of the model under its full name (model.layers.N.self_attn.q_proj, …, lm_head).</summary>
    public static IEnumerable<(string Name, Projection Projection)> Projections(DecoderModel model) =>
        model.named_modules().Where(m => m.module is Projection).Select(m => (m.name, (Projection)m.module));

    /// <summary>y + delta, disposing both inputs (the forward's own temporaries).</summary>
    internal static Tensor AddDelta(Tensor y, Tensor delta)
    {
        var sum = y.Plus(delta);
        y.Dispose();
        delta.Dispose();
        return sum;
    }

    /// <summary>The adapters' outputs of fused parts, concatenated as the fused output (zeros for parts without one).</summary>
    internal static Tensor FusedDelta(IReadOnlyList<Projection> parts, Tensor x)
    {
        using var scope = NewDisposeScope();
        var pieces = parts.Select(p => p.Adapter is { Enabled: true } a ? a.Delta(x, p.training) : Zeros(x, p.weight.shape[0])).ToArray();
        return cat(pieces, -1).MoveToOuterDisposeScope();
    }

    private static Tensor Zeros(Tensor x, long width)
    {
        var shape = x.shape.ToArray();
        shape[^1] = width;
        return zeros(shape, x.dtype, x.device);
    }
}
