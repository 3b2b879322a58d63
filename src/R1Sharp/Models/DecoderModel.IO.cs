// Loading and saving HF model directories: config.json through Formats.Config, weights through the memory-mapped
// safetensors reader/writer, copied straight into parameter storage (one copy of the weights, ever).
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Runtime options for loading a model (kept apart from the model's hyper-parameters).</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Parameter and activation dtype: Float32 (default; fastest on CPUs without AMX), BFloat16 or Float16.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>
    /// deepseek_v3 only: also load the Multi-Token Prediction layers (<c>model.layers.{num_hidden_layers}.*</c>) into
    /// <see cref="DecoderModel.Mtp"/>, every one of their tensors required. False (default): they are skipped, as HF does.
    /// </summary>
    public bool LoadMtp { get; init; }

    /// <summary>
    /// With <see cref="LoadMtp"/>: the MTP layers use the main embedding and output head (V3 report: shared), so the
    /// checkpoint's copies (<c>model.layers.{L}.embed_tokens.weight</c>, <c>shared_head.head.weight</c>) are not read.
    /// Training uses this; default false keeps the copies as separate tensors.
    /// </summary>
    public bool ShareMtpEmbeddingAndHead { get; init; }

    /// <summary>
    /// Quantize every projection and the head to int8 or int4 blocks after loading (inference only; qwen2/llama).
    /// The model is first loaded in the checkpoint's own precision — bf16 for a BF16 checkpoint, else fp32;
    /// <see cref="DType"/> is then ignored — one layer at a time, each quantized and freed before the next is read, so
    /// memory peaks near the quantized model's size plus the embedding (with <see cref="Adapter"/>: the whole checkpoint,
    /// which the merge needs).
    /// </summary>
    public QuantFormat? Quantization { get; init; }

    /// <summary>
    /// A PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors) merged into the weights right after
    /// loading, before any <see cref="Quantization"/> (`--adapter`); null = none.
    /// </summary>
    public string? Adapter { get; init; }
}

public sealed partial class DecoderModel
{
    /// <summary>Largest shard <see cref="Save"/> writes by default (the HF default, 5 GB).</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>
    /// Loads an HF model directory: config.json plus model.safetensors or shards with model.safetensors.index.json,
    /// stored as F32, BF16 or F16 (converted to <see cref="ModelLoadOptions.DType"/> while copying); or, when
    /// <paramref name="modelDirectory"/> is a file, a qwen2/llama GGUF file (<see cref="Import.GgufImporter"/>).
    /// </summary>
    /// <exception cref="R1SharpException">Bad config, unreadable weights, or a config that does not describe the weights
    /// (checked on the headers before anything is allocated; <see cref="WeightPreflight"/>).</exception>
    public static DecoderModel Load(string modelDirectory, ModelLoadOptions? options = null)
    {
        if (Import.GgufImporter.IsModelFile(modelDirectory))
            return options?.Adapter is null ? Import.GgufImporter.Load(modelDirectory, options)
                : throw new R1SharpException($"{modelDirectory}: a LoRA adapter needs the base as an HF directory (safetensors), not a GGUF file");
        options ??= new ModelLoadOptions();
        if (WeightCopy.ToSafetensors(options.DType) is null)
            throw new R1SharpException($"load option dtype {options.DType} is not supported; use Float32, BFloat16 or Float16");
        var config = ModelConfig.Load(modelDirectory);
        string configPath = Path.Combine(modelDirectory, "config.json");
        var architecture = DecoderArchitectures.For(config, configPath);
        using var weights = SafetensorsModel.Open(modelDirectory);
        // Before any allocation: a config that disagrees with the weights could ask for any amount of memory.
        WeightPreflight.Check(config, weights.Tensors, configPath, weights.Files.Count == 1
            ? Path.GetFileName(weights.Files[0].Path) : SafetensorsIndex.FileName + " shards", options.LoadMtp);
        if (options.Quantization is { } format && !architecture.Config.ModelType.Equals("qwen2", StringComparison.Ordinal)
            && !architecture.Config.ModelType.Equals("llama", StringComparison.Ordinal))
            throw new R1SharpException($"{Names(format)} weights are implemented for qwen2 and llama models, not {architecture.Config.ModelType}; use f32 or bf16");
        var dtype = options.Quantization is null ? options.DType : CheckpointDType(weights);
        var model = new DecoderModel(architecture, dtype);
        try
        {
            if (options.LoadMtp) model.AttachMtp(options.ShareMtpEmbeddingAndHead);
            if (options.Quantization is { } q && options.Adapter is null)
            {
                // Each layer is quantized as soon as it is read, before the next one's (still untouched) pages are
                // written, so the peak is the quantized model plus one layer and the embedding, not the checkpoint.
                model.BeginQuantization(q);
                model.LoadWeights(weights, model.QuantizeLayer);
                model.QuantizeHead();
                return model;
            }
            model.LoadWeights(weights);
            if (options.Adapter is { } adapter) Lora.LoraAdapters.Load(model, adapter).MergeAndUnload();
            if (options.Quantization is { } q2) model.Quantize(q2);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // The precision a quantized load reads the matrices in: the checkpoint's own when it is BF16, else fp32.
    private static ScalarType CheckpointDType(SafetensorsModel weights) =>
        weights.Tensors.Values.Where(t => t.Shape.Length == 2).All(t => t.DType == SafetensorsDType.BF16)
            ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>Copies every parameter from <paramref name="weights"/> after checking names, shapes and dtypes, one
    /// decoder layer after another (then the embedding, norm and head), calling <paramref name="layerLoaded"/> with each
    /// layer's index once its tensors are in place.</summary>
    /// <exception cref="R1SharpException">Lists every missing, unexpected, mis-shaped or unsupported tensor.</exception>
    public void LoadWeights(SafetensorsModel weights, Action<int>? layerLoaded = null)
    {
        var parameters = CheckpointParameters().ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        var missing = parameters.Keys.Where(k => !weights.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var unexpected = weights.Tensors.Keys.Where(k => !parameters.ContainsKey(k) && !Ignorable(k))
            .OrderBy(k => k, StringComparer.Ordinal).ToList();
        var misshaped = new List<string>();
        var badType = new List<string>();
        foreach (var (name, p) in parameters)
        {
            if (!weights.Tensors.TryGetValue(name, out var info)) continue;
            if (!info.Shape.SequenceEqual(p.shape)) misshaped.Add($"{name} {info.ShapeText} (model expects [{string.Join(", ", p.shape)}])");
            else if (!WeightCopy.IsLoadable(info.DType) && !IsBlockFp8(weights, info)) badType.Add($"{name} {info.DType.ToHeaderString()}");
        }
        if (missing.Count + unexpected.Count + misshaped.Count + badType.Count > 0)
            throw new R1SharpException($"{weights.Directory}: weights do not match config.json ({Config.ModelType}): "
                + string.Join("; ", new[] { Describe("missing", missing), Describe("unexpected", unexpected),
                    Describe("mis-shaped", misshaped), Describe("unsupported dtype (need F32/BF16/F16, or F8_E4M3 with a weight_scale_inv)", badType) }.Where(s => s.Length > 0))
                + "; check that the directory and its config.json belong to the same model");

        // Positional reads, not the memory mapping: mapped pages would count as resident on top of the parameters.
        // Layer by layer (then the rest), so layerLoaded can quantize a layer before the next one's pages are touched.
        using var noGrad = no_grad();
        var handles = new Dictionary<string, Microsoft.Win32.SafeHandles.SafeFileHandle>(StringComparer.Ordinal);
        try
        {
            foreach (var layer in parameters.GroupBy(kv => LayerIndex(kv.Key)).OrderBy(g => g.Key < 0 ? int.MaxValue : g.Key))
            {
                foreach (var (name, p) in layer)
                {
                    var file = weights.FileOf(name);
                    if (!handles.TryGetValue(file.Path, out var handle))
                        handles[file.Path] = handle = File.OpenHandle(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read);
                    var info = weights.Tensors[name];
                    var read = WeightCopy.FromFile(handle, file.DataStart + info.DataOffset, file.Path);
                    if (info.DType == SafetensorsDType.F8_E4M3) FillFp8(weights, info, p, read);
                    else WeightCopy.Fill(p, info.DType, read);
                }
                if (layer.Key >= 0) layerLoaded?.Invoke(layer.Key);
            }
        }
        finally
        {
            foreach (var handle in handles.Values) handle.Dispose();
        }
    }

    // N of a "model.layers.N." name, or −1 for the embedding, final norm and head.
    private static int LayerIndex(string name)
    {
        const string prefix = "model.layers.";
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return -1;
        int end = name.IndexOf('.', prefix.Length);
        return end > 0 && int.TryParse(name.AsSpan(prefix.Length, end - prefix.Length), out int layer) ? layer : -1;
    }

    // Tensors HF itself skips: non-persistent RoPE buffers of old checkpoints, an lm_head stored although tied; for
    // deepseek_v3 the MTP layers (model.layers.{≥ num_hidden_layers}) unless LoadMtp attached them (and their copies of
    // the embedding and head when shared), and the FP8 scales (consumed with their weight).
    private bool Ignorable(string name) =>
        (Mtp is { SharesEmbeddingAndHead: true } && Mtp.SharedNames().Contains(name))
        || name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
        || (name == "lm_head.weight" && Config.TieWordEmbeddings)
        || (Config is DeepSeekV3Config && (name.EndsWith(".weight_scale_inv", StringComparison.Ordinal) || (Mtp is null && IsMtpLayer(name))));

    private bool IsMtpLayer(string name) => LayerIndex(name) >= Config.NumHiddenLayers;

    // An F8_E4M3 matrix with its F32 weight_scale_inv of shape [⌈rows/br⌉, ⌈cols/bc⌉] (DeepSeek-V3 block FP8).
    private bool IsBlockFp8(SafetensorsModel weights, SafetensorsTensorInfo info)
    {
        if (info.DType != SafetensorsDType.F8_E4M3 || info.Shape.Length != 2) return false;
        if (!weights.Tensors.TryGetValue(Models.DeepSeekV3.Fp8Dequantizer.ScaleName(info.Name), out var scale)) return false;
        var (br, bc) = Fp8BlockSize();
        return scale.DType == SafetensorsDType.F32 && scale.Shape.Length == 2
            && scale.Shape[0] == (info.Shape[0] + br - 1) / br && scale.Shape[1] == (info.Shape[1] + bc - 1) / bc;
    }

    private (int Rows, int Columns) Fp8BlockSize() =>
        Config is DeepSeekV3Config { Quantization: { } q } ? (q.BlockRows, q.BlockColumns) : (128, 128);

    private void FillFp8(SafetensorsModel weights, SafetensorsTensorInfo info, Tensor destination, WeightCopy.ReadSource read)
    {
        var scaleInfo = weights.Tensors[Models.DeepSeekV3.Fp8Dequantizer.ScaleName(info.Name)];
        var scale = new float[scaleInfo.ElementCount];
        SafetensorsConvert.ToSingle(SafetensorsDType.F32, weights.FileOf(scaleInfo.Name).GetBytes(scaleInfo.Name), scale);
        var (br, bc) = Fp8BlockSize();
        Models.DeepSeekV3.Fp8Dequantizer.Fill(destination, read, scale, br, bc);
    }

    private static string Describe(string what, List<string> names)
    {
        if (names.Count == 0) return "";
        const int shown = 5;
        string list = string.Join(", ", names.Take(shown)) + (names.Count > shown ? $", … (+{names.Count - shown} more)" : "");
        return $"{names.Count} {what} [{list}]";
    }

    /// <summary>
    /// Writes config.json (torch_dtype set to the parameter dtype) and the weights as model.safetensors, or as
    /// shards plus an index when they exceed <paramref name="maxShardBytes"/>; each parameter's bytes stream
    /// straight from its storage.
    /// </summary>
    public void Save(string directory, long maxShardBytes = DefaultMaxShardBytes)
    {
        ThrowIfQuantized("save");
        // Each tensor in its own dtype: a bf16 deepseek_v3 model keeps its fp32 MoE selection bias.
        var saved = SavedParameters().Select(p => (p.Name, p.Parameter, DType: WeightCopy.ToSafetensors(p.Parameter.dtype)
            ?? throw new R1SharpException($"cannot save parameter {p.Name} of dtype {p.Parameter.dtype}"))).ToList();
        Directory.CreateDirectory(directory);
        var entries = saved.Select(p => SafetensorsEntry.FromStream(p.Name, p.DType, p.Parameter.shape,
            s => WeightCopy.WriteTo(p.Parameter, s))).ToList();
        SafetensorsWriter.WriteSharded(directory, entries, maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
        string torchDtype = DType switch { ScalarType.BFloat16 => "bfloat16", ScalarType.Float16 => "float16", _ => "float32" };
        // Weights were dequantized at load: the saved model is no longer FP8.
        var config = Config is DeepSeekV3Config d ? d with { Quantization = null } : Config;
        File.WriteAllText(Path.Combine(directory, "config.json"), (config with { TorchDtype = torchDtype }).ToJson());
    }
}
