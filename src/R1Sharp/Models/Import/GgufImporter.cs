// Loads a qwen2/llama GGUF file (llama.cpp's format) into a DecoderModel: the inverse of Models/Export/GgufExporter.
// Names through GgufNames (HF → GGUF), llama q/k rows un-permuted, tensors streamed one at a time like safetensors loads.
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Gguf;
using R1Sharp.Formats.Safetensors;
using static TorchSharp.torch;

namespace R1Sharp.Models.Import;

/// <summary>Runs GGUF files: <see cref="DecoderModel.Load"/> comes here when its path is a file.</summary>
public static class GgufImporter
{
    /// <summary>
    /// Whether <paramref name="modelPath"/> names a GGUF model rather than a model directory: any existing file is taken
    /// as one (a file that is not GGUF then fails on its magic with a one-line error naming it).
    /// </summary>
    public static bool IsModelFile(string modelPath) => File.Exists(modelPath);

    /// <summary>
    /// Loads <paramref name="path"/>: hyper-parameters from its metadata (<see cref="GgufModelConfig"/>), every tensor
    /// checked by name, shape and type before anything is allocated, then decoded to <see cref="ModelLoadOptions.DType"/>
    /// one tensor at a time (F32/F16/BF16 converted, the block types of <see cref="GgmlTypes.DecodableNames"/> dequantised exactly per ggml). With
    /// <see cref="ModelLoadOptions.Quantization"/> the matrices are then quantized as for safetensors (read as bf16 when
    /// every matrix of the file is BF16, else fp32).
    /// </summary>
    /// <exception cref="R1SharpException">Not a GGUF file, an unsupported architecture or tensor type, or tensors that
    /// do not match the metadata; one line naming the file.</exception>
    public static DecoderModel Load(string path, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        if (WeightCopy.ToSafetensors(options.DType) is null)
            throw new R1SharpException($"load option dtype {options.DType} is not supported; use Float32, BFloat16 or Float16");
        if (options.LoadMtp) throw new R1SharpException($"{path}: Multi-Token Prediction layers belong to deepseek_v3; a GGUF model has none to load");
        using var file = GgufFile.Open(path);
        var imported = GgufModelConfig.Read(file);
        var config = imported.Config;
        var sources = Check(file, config);
        var dtype = options.Quantization is null ? options.DType
            : sources.Values.Where(t => t.Dims.Length == 2).All(t => t.Type == GgmlType.BF16) ? ScalarType.BFloat16 : ScalarType.Float32;
        var model = new DecoderModel(new DenseArchitecture(config, path, imported.InverseFrequencies), dtype);
        try
        {
            Fill(model, file, sources);
            if (options.Quantization is { } q) model.Quantize(q);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // Every tensor the config implies, by HF name → its GGUF tensor; anything missing, extra, mis-shaped or of a type
    // this library cannot decode is reported at once, before the model is allocated.
    private static Dictionary<string, GgufTensorInfo> Check(GgufFile file, ModelConfig config)
    {
        var sources = new Dictionary<string, GgufTensorInfo>(StringComparer.Ordinal);
        List<string> missing = [], misshaped = [], badType = [];
        foreach (var expected in ExpectedTensors.Of(config))
        {
            string gguf = GgufNames.HfToGguf(expected.Name);
            if (file.FindTensor(gguf) is not { } info) { missing.Add(gguf); continue; }
            if (!info.TorchShape.SequenceEqual(expected.Shape))
                misshaped.Add($"{gguf} [{string.Join(", ", info.TorchShape)}] (metadata implies [{string.Join(", ", expected.Shape)}])");
            else if (!GgmlTypes.IsDecodable(info.Type)) badType.Add($"{gguf} {info.Type}");
            sources[expected.Name] = info;
        }
        var used = sources.Values.Select(t => t.Name).Append("rope_freqs.weight").ToHashSet(StringComparer.Ordinal);
        var unexpected = file.Tensors.Select(t => t.Name).Where(n => !used.Contains(n)).ToList();
        if (badType.Count > 0)
            throw new R1SharpException($"{file.FileName}: GGUF tensor type not supported: {List(badType)}; R1Sharp reads {GgmlTypes.DecodableNames} (requantize with llama-quantize)");
        if (missing.Count + misshaped.Count + unexpected.Count > 0)
            throw new R1SharpException($"{file.FileName}: GGUF tensors do not match its {config.ModelType} metadata: " + string.Join("; ",
                new[] { ("missing", missing), ("mis-shaped", misshaped), ("unexpected", unexpected) }
                    .Where(p => p.Item2.Count > 0).Select(p => $"{p.Item2.Count} {p.Item1} [{List(p.Item2)}]")));
        return sources;
    }

    private static void Fill(DecoderModel model, GgufFile file, Dictionary<string, GgufTensorInfo> sources)
    {
        var config = model.Config;
        bool llama = config.ModelType == "llama";
        using var noGrad = no_grad();
        using var handle = File.OpenHandle(file.FileName, FileMode.Open, FileAccess.Read, FileShare.Read);
        foreach (var (name, parameter) in model.CheckpointParameters())
        {
            // convert_hf_to_gguf permutes llama's q/k rows (weights and biases) for llama.cpp's adjacent-pair RoPE.
            int heads = llama ? Export.GgufTensorPlan.LlamaPermuteHeads(config, name) : 0;
            var source = new GgufTensorSource(handle, file.FileName, file.DataOffset, sources[name], heads);
            WeightCopy.Fill(parameter, SafetensorsDType.F32, source.AsF32Bytes());
        }
    }

    private static string List(List<string> names) =>
        string.Join(", ", names.Take(5)) + (names.Count > 5 ? $", … (+{names.Count - 5} more)" : "");
}
