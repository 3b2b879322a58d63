// Exports a qwen2/llama HF model directory (config.json, safetensors, tokenizer) to one GGUF v3 file for llama.cpp.
// Follows llama.cpp convert_hf_to_gguf.py (Qwen2Model, LlamaModel) as summarised in ARCHITECTURES.md §4.
using System.Diagnostics;
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Gguf;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Text;

namespace R1Sharp.Models.Export;

/// <summary>Progress of an export: tensor <see cref="Index"/> (0-based) of <see cref="Count"/> is about to be written.</summary>
public readonly record struct GgufExportProgress(int Index, int Count, string TensorName, GgmlType Type);

/// <summary>What an export wrote.</summary>
/// <param name="OutputPath">The GGUF file (full path).</param>
/// <param name="Architecture">"qwen2" or "llama".</param>
/// <param name="Type">The requested type of the matrices.</param>
/// <param name="TensorCount">Tensors written (including a computed rope_freqs).</param>
/// <param name="FileBytes">Size of the file.</param>
/// <param name="Elapsed">Wall-clock time of the export.</param>
public sealed record GgufExportResult(string OutputPath, string Architecture, GgmlType Type, int TensorCount, long FileBytes, TimeSpan Elapsed);

/// <summary>Converts a model directory to a GGUF file that llama.cpp (and Ollama, LLamaSharp) loads.</summary>
public static class GgufExporter
{
    /// <summary>The quantization version gguf-py writes (GGML_QUANT_VERSION).</summary>
    public const uint QuantizationVersion = 2;

    /// <summary>
    /// Writes <paramref name="outputPath"/> from <paramref name="modelDirectory"/>: general.*, {arch}.* and tokenizer.*
    /// metadata, then every weight streamed tensor by tensor from the memory-mapped safetensors (never the whole
    /// model in memory). Matrices are stored as <paramref name="type"/> (F32, F16 or Q8_0; Q8_0 rows that are not
    /// a multiple of 32 become F16), 1-D tensors as F32. The file appears atomically (temporary file + rename).
    /// </summary>
    /// <param name="modelDirectory">An HF model directory: config.json, model.safetensors (or shards + index), tokenizer.json.</param>
    /// <param name="outputPath">The GGUF file to write (replaced if it exists).</param>
    /// <param name="type">F32, F16 or Q8_0 for the matrices.</param>
    /// <param name="progress">Told (synchronously) before each tensor is written.</param>
    /// <param name="cancellationToken">Checked before each tensor; a cancelled export leaves no file behind.</param>
    /// <exception cref="R1SharpException">A missing/invalid config, tokenizer or weight, an unsupported architecture,
    /// pre-tokenizer or rope scaling, or an I/O error; the message is one line naming the file.</exception>
    public static GgufExportResult Export(string modelDirectory, string outputPath, GgmlType type = GgmlType.F32,
        IProgress<GgufExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        ArgumentNullException.ThrowIfNull(outputPath);
        var clock = Stopwatch.StartNew();
        var fileType = GgufHyperParameters.FileType(type);
        if (!Directory.Exists(modelDirectory))
            throw new R1SharpException($"{modelDirectory}: model directory not found");
        string configPath = Path.Combine(modelDirectory, "config.json");
        var config = ModelConfig.Load(modelDirectory);
        string arch = GgufHyperParameters.Architecture(config, configPath);
        var tokenizer = HfTokenizer.Load(modelDirectory);
        string? chatTemplate = GgufTokenizerMetadata.ReadChatTemplate(modelDirectory);

        using var weights = SafetensorsModel.Open(modelDirectory);
        WeightPreflight.Check(config, weights.Tensors, configPath, weights.Files.Count == 1
            ? Path.GetFileName(weights.Files[0].Path) : SafetensorsIndex.FileName + " shards");
        var writer = new GgufWriter();
        writer.AddString(GgufKeys.GeneralArchitecture, arch);
        writer.AddString(GgufKeys.GeneralName, ModelName(modelDirectory));
        writer.AddUInt32(GgufKeys.GeneralFileType, (uint)fileType);
        writer.AddUInt32(GgufKeys.GeneralQuantizationVersion, QuantizationVersion);
        if (config is DeepSeekV3Config deepSeek)
        {
            DeepSeek2Gguf.AddHyperParameters(writer, deepSeek, configPath);
            GgufTokenizerMetadata.Add(writer, tokenizer, config.VocabSize, chatTemplate, Path.Combine(modelDirectory, "tokenizer.json"));
            var entries = DeepSeek2Gguf.Plan(deepSeek, weights, type);
            for (int i = 0; i < entries.Count; i++)
            {
                var (entry, at) = (entries[i], i);
                writer.AddTensor(entry.GgufName, entry.TorchShape, entry.Type, sink =>
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(new GgufExportProgress(at, entries.Count, entry.GgufName, entry.Type));
                    entry.Source(sink);
                });
            }
            writer.WriteTo(outputPath);
            string path = Path.GetFullPath(outputPath);
            return new GgufExportResult(path, arch, type, entries.Count, new FileInfo(path).Length, clock.Elapsed);
        }
        GgufHyperParameters.Add(writer, config, configPath);
        GgufTokenizerMetadata.Add(writer, tokenizer, config.VocabSize, chatTemplate, Path.Combine(modelDirectory, "tokenizer.json"));

        var plan = GgufTensorPlan.Create(config, weights.Tensors, type);
        int count = plan.Count + (config.RopeScaling is Llama3RopeScaling ? 1 : 0);
        int index = 0;
        if (config.RopeScaling is Llama3RopeScaling llama3)
        {
            float[] factors = GgufHyperParameters.Llama3RopeFactors(config.HeadDim, config.RopeTheta, llama3);
            int at = index++;
            writer.AddTensor("rope_freqs.weight", [factors.Length], GgmlType.F32, sink =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new GgufExportProgress(at, count, "rope_freqs.weight", GgmlType.F32));
                sink.Write(factors);
            });
        }
        foreach (var entry in plan)
        {
            int at = index++;
            var source = GgufTensorPlan.Stream(weights, entry.HfName!, entry.PermuteHeads);
            writer.AddTensor(entry.GgufName, entry.TorchShape, entry.Type, sink =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new GgufExportProgress(at, count, entry.GgufName, entry.Type));
                source(sink);
            });
        }
        writer.WriteTo(outputPath);
        string full = Path.GetFullPath(outputPath);
        return new GgufExportResult(full, arch, type, count, new FileInfo(full).Length, clock.Elapsed);
    }

    private static string ModelName(string modelDirectory) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory))) is { Length: > 0 } n ? n : "model";
}
