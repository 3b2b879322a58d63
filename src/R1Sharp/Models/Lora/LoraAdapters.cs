// The adapters attached to one model, under PEFT's names (base_model.model.<module>.lora_A.weight / lora_B.weight), and
// the PEFT adapter directory in and out (adapter_config.json + adapter_model.safetensors), merging into the base.
using R1Sharp.Formats.Safetensors;
using R1Sharp.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Models.Lora;

/// <summary>A model's LoRA adapters (see <see cref="LoraAttach.Attach"/> and <see cref="Load"/>).</summary>
public sealed class LoraAdapters
{
    /// <summary>The weights file PEFT uses.</summary>
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>PEFT's prefix of every key (PeftModelForCausalLM.base_model.model).</summary>
    public const string KeyPrefix = "base_model.model.";

    private readonly DecoderModel _model;
    private readonly List<(string Module, LoraAdapter Adapter)> _adapters;

    internal LoraAdapters(DecoderModel model, LoraSettings settings, List<(string, LoraAdapter)> adapters)
    {
        _model = model;
        Settings = settings;
        _adapters = adapters;
    }

    /// <summary>The settings the adapters were made or loaded with.</summary>
    public LoraSettings Settings { get; }

    /// <summary>The adapted modules' full names, e.g. model.layers.0.self_attn.q_proj.</summary>
    public IEnumerable<string> Modules => _adapters.Select(a => a.Module);

    /// <summary>Every adapter parameter under its PEFT key (what the optimizer updates and the file holds).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => _adapters.SelectMany(a => new[]
    {
        (KeyA(a.Module), a.Adapter.A), (KeyB(a.Module), a.Adapter.B),
    });

    /// <summary>Trainable parameter count (Σ r·(in + out)).</summary>
    public long ParameterCount => NamedParameters().Sum(p => p.Parameter.numel());

    /// <summary>PEFT key of a module's A: <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>.</summary>
    public static string KeyA(string module) => KeyPrefix + module + ".lora_A.weight";
    /// <summary>PEFT key of a module's B.</summary>
    public static string KeyB(string module) => KeyPrefix + module + ".lora_B.weight";

    /// <summary>Writes <paramref name="directory"/>/adapter_config.json and adapter_model.safetensors (fp32).</summary>
    public void Save(string directory, string? baseModel)
    {
        Directory.CreateDirectory(directory);
        var entries = NamedParameters().Select(p => SafetensorsEntry.FromStream(p.Name, SafetensorsDType.F32, p.Parameter.shape,
            s => WeightCopy.WriteTo(p.Parameter, s))).ToList();
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
        var leaves = _adapters.Select(a => a.Module[(a.Module.LastIndexOf('.') + 1)..]);
        IO.AtomicFile.WriteAllText(Path.Combine(directory, PeftAdapterConfig.FileName), PeftAdapterConfig.ToJson(Settings, baseModel, leaves));
    }

    /// <summary>
    /// Attaches the adapters of a PEFT directory to <paramref name="model"/> (frozen as by <see cref="LoraAttach.Attach"/>):
    /// one per module its weights name, values read from the file.
    /// </summary>
    /// <exception cref="R1SharpException">Bad directory, a key that names no projection of the model, or a mis-shaped tensor.</exception>
    public static LoraAdapters Load(DecoderModel model, string directory)
    {
        var settings = PeftAdapterConfig.Load(directory);
        string file = Path.Combine(directory, WeightsFile);
        if (!File.Exists(file)) throw new R1SharpException($"{directory}: no {WeightsFile} (PEFT adapters are read from safetensors only)");
        if (model.Adapters is not null) throw new R1SharpException("the model already has LoRA adapters");
        var projections = LoraAttach.Projections(model).ToDictionary(p => p.Name, p => p.Projection, StringComparer.Ordinal);
        using var weights = SafetensorsFile.Open(file);
        var modules = new List<string>();
        foreach (string key in weights.Tensors.Keys.Order(StringComparer.Ordinal))
        {
            string module = ModuleOf(key) ?? throw new R1SharpException($"{file}: tensor '{key}' is not a LoRA weight (base_model.model.<module>.lora_A.weight / lora_B.weight)");
            if (!projections.ContainsKey(module)) throw new R1SharpException($"{file}: '{key}' names module '{module}', which this {model.Config.ModelType} model does not have; is this the adapter of another model?");
            if (module == "lm_head") throw new R1SharpException($"{file}: adapters on lm_head are not supported");
            if (!modules.Contains(module)) modules.Add(module);
        }
        if (modules.Count == 0) throw new R1SharpException($"{file}: holds no LoRA weights");
        var adapters = new List<(string, LoraAdapter)>();
        try
        {
            foreach (string module in modules)
            {
                var p = projections[module];
                var adapter = new LoraAdapter(p.weight.shape[1], p.weight.shape[0], settings, null);
                adapters.Add((module, adapter));
                Fill(adapter.A, weights, file, KeyA(module));
                Fill(adapter.B, weights, file, KeyB(module));
            }
        }
        catch
        {
            foreach (var (_, a) in adapters) a.Dispose();
            throw;
        }
        foreach (var (module, adapter) in adapters) projections[module].Adapter = adapter;
        return LoraAttach.Install(model, settings, adapters);
    }

    /// <summary>Copies the values of a PEFT file into the attached adapters (resuming a checkpoint).</summary>
    public void LoadValues(string directory)
    {
        string file = Path.Combine(directory, WeightsFile);
        if (!File.Exists(file)) throw new R1SharpException($"{directory}: no {WeightsFile}; not a LoRA checkpoint");
        using var weights = SafetensorsFile.Open(file);
        foreach (var (name, p) in NamedParameters()) Fill(p, weights, file, name);
        if (weights.Tensors.Count != _adapters.Count * 2)
            throw new R1SharpException($"{file}: holds {weights.Tensors.Count} tensors, the run's adapters {_adapters.Count * 2}; the checkpoint was made with other lora_target_modules");
    }

    /// <summary>
    /// Adds s·B·A into each adapted projection's weight (in its dtype) and removes the adapters: the model is a plain one
    /// again (PEFT merge_and_unload), the decode kernels usable. Base parameters stay frozen.
    /// </summary>
    /// <exception cref="R1SharpException">The base is int8/int4 (merge before quantizing).</exception>
    public void MergeAndUnload()
    {
        var projections = LoraAttach.Projections(_model).ToDictionary(p => p.Name, p => p.Projection, StringComparer.Ordinal);
        if (_adapters.Any(a => projections[a.Module].IsQuantized))
            throw new R1SharpException("cannot merge LoRA adapters into int8/int4 weights; load the base in f32 or bf16, merge, then quantize");
        using (no_grad())
            foreach (var (module, adapter) in _adapters)
            {
                var w = projections[module].weight;
                using var delta = adapter.DeltaWeight();
                using var cast = delta.to_type(w.dtype);
                w.PlusInPlace(cast);
            }
        Unload();
    }

    /// <summary>Switches every adapter off until the result is disposed (PEFT's <c>disable_adapter()</c>): the model
    /// computes its frozen base, e.g. the reference log-probs of a LoRA GRPO run, without a second copy of the weights.</summary>
    public IDisposable Disable()
    {
        foreach (var (_, a) in _adapters) a.Enabled = false;
        return new Reenable(_adapters);
    }

    private sealed class Reenable(List<(string, LoraAdapter Adapter)> adapters) : IDisposable
    {
        public void Dispose() { foreach (var (_, a) in adapters) a.Enabled = true; }
    }

    /// <summary>Removes the adapters without merging (the base as loaded).</summary>
    public void Unload()
    {
        var projections = LoraAttach.Projections(_model).ToDictionary(p => p.Name, p => p.Projection, StringComparer.Ordinal);
        foreach (var (module, adapter) in _adapters)
        {
            projections[module].Adapter = null;
            adapter.Dispose();
        }
        _adapters.Clear();
        _model.Adapters = null;
    }

    // base_model.model.<module>.lora_A.weight → <module>, else null.
    private static string? ModuleOf(string key)
    {
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal)) return null;
        foreach (string suffix in new[] { ".lora_A.weight", ".lora_B.weight" })
            if (key.EndsWith(suffix, StringComparison.Ordinal)) return key[KeyPrefix.Length..^suffix.Length];
        return null;
    }

    private static void Fill(Parameter p, SafetensorsFile weights, string file, string key)
    {
        if (!weights.Tensors.TryGetValue(key, out var info)) throw new R1SharpException($"{file}: '{key}' is missing");
        if (!info.Shape.SequenceEqual(p.shape))
            throw new R1SharpException($"{file}: '{key}' is {info.ShapeText}, the model needs [{string.Join(", ", p.shape)}] (r = {p.shape.Min()}?)");
        var values = weights.ReadAsFloat32(key);
        using var noGrad = no_grad();
        using var source = tensor(values, p.shape, ScalarType.Float32);
        p.copy_(source);
    }
}
