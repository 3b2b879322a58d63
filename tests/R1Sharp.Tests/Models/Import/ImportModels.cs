// GGUF files for the import tests: two tiny random models whose rows are whole k-quant super-blocks (hidden 256,
// intermediate 512), written by our exporter (F32, F16, Q8_0) and by llama.cpp's own quantizer (LLamaSharp's
// llama_model_quantize, "pure": every matrix of the one type, embedding and output included) from the F32 file.
using LLama.Native;
using R1Sharp.Formats.Gguf;
using R1Sharp.Models;
using R1Sharp.Models.Export;
using R1Sharp.Tests.Models.Export;

namespace R1Sharp.Tests.Models.Import;

/// <summary>Who wrote a test file: our exporter, or ggml's quantizer from our F32 export.</summary>
public enum GgufMaker { Exporter, LlamaCpp }

/// <summary>The tiny models and their GGUF files, made once per test class and deleted with it.</summary>
public sealed class ImportModels : IDisposable
{
    /// <summary>
    /// qwen2 (untied, q/k/v biases) and llama (tied, GQA, llama3 rope_freqs, q/k permuted by the exporter), and a
    /// llama whose rows (128, 192) are not whole super-blocks, so ggml's quantizer writes its k-quant fallbacks.
    /// </summary>
    public static readonly ExportCase[] Cases =
    [
        new("qwen2_h256", "qwen2", Hidden: 256, Heads: 4, KvHeads: 2, Ffn: 512, Tied: false, Tokenizer: TestTokenizer.Qwen2R1),
        new("llama_h256", "llama", Hidden: 256, Heads: 4, KvHeads: 2, Ffn: 512, Tied: true, Llama3Rope: true, Tokenizer: TestTokenizer.Gpt4R1),
        new("llama_h128_fallback", "llama", Hidden: 128, Heads: 4, KvHeads: 1, Ffn: 192, Tied: false, Tokenizer: TestTokenizer.Qwen2R1),
    ];

    /// <summary>
    /// The type ggml's quantizer stores a matrix of <paramref name="type"/> with rows of <paramref name="rowLength"/>:
    /// llama-quant.cpp's fallback (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0) when the row is not whole super-blocks.
    /// </summary>
    public static GgmlType Stored(GgmlType type, long rowLength) => rowLength % 256 == 0 ? type : type switch
    {
        GgmlType.Q4_K => GgmlType.Q5_0,
        GgmlType.Q5_K => GgmlType.Q5_1,
        GgmlType.Q6_K => GgmlType.Q8_0,
        _ => type,
    };

    /// <summary>
    /// Std of the random matrices: 0.02 as real checkpoints (HF initializer_range), so a layer's gain is about
    /// 0.02·√256 ≈ 0.3 and llama.cpp's activation rounding is not amplified into noise as with the 0.2 of the export tests.
    /// </summary>
    public const double MatrixStd = 0.02;

    private readonly TempDir _tmp = new();
    private readonly Dictionary<string, (string Dir, DecoderModel Model)> _models = [];
    private readonly Dictionary<(string, GgmlType, GgufMaker), string> _files = [];
    private readonly Lock _lock = new();

    /// <summary>The HF directory and the in-memory model of case <paramref name="name"/>.</summary>
    public (string Dir, DecoderModel Model) Model(string name)
    {
        lock (_lock)
        {
            if (!_models.TryGetValue(name, out var m)) _models[name] = m = ExportModels.Write(Cases.Single(c => c.Name == name), _tmp.Path, seed: 5, std: MatrixStd);
            return m;
        }
    }

    /// <summary>The GGUF of case <paramref name="name"/> with matrices of <paramref name="type"/>, made by <paramref name="maker"/>.</summary>
    public string File(string name, GgmlType type, GgufMaker maker)
    {
        var (dir, _) = Model(name);
        lock (_lock)
        {
            if (_files.TryGetValue((name, type, maker), out string? path)) return path;
            path = Path.Combine(_tmp.Path, $"{name}.{type}.{maker}.gguf");
            if (maker == GgufMaker.Exporter) GgufExporter.Export(dir, path, type);
            else Quantize(File(name, GgmlType.F32, GgufMaker.Exporter), path, type);
            return _files[(name, type, maker)] = path;
        }
    }

    /// <summary>
    /// An F32 GGUF (our exporter) of the weights <paramref name="loaded"/> from a file of case <paramref name="name"/>:
    /// the same dequantized numbers, for llama.cpp to run without quantizing its activations.
    /// </summary>
    public string DequantizedF32(string name, DecoderModel loaded, string tag)
    {
        var (dir, _) = Model(name);
        string copy = Path.Combine(_tmp.Path, $"{name}.{tag}.dequantized");
        loaded.Save(copy);
        // The original config.json: the GGUF's carries llama3 RoPE as rope_freqs factors, not rope_scaling.
        foreach (string f in new[] { "config.json", "tokenizer.json", "tokenizer_config.json" })
            System.IO.File.Copy(Path.Combine(dir, f), Path.Combine(copy, f), overwrite: true);
        string path = copy + ".gguf";
        GgufExporter.Export(copy, path, GgmlType.F32);
        return path;
    }

    /// <summary>llama.cpp's quantizer, every 2-D tensor as <paramref name="type"/> (as bench LlamaCppTools.Quantize).</summary>
    public static void Quantize(string source, string destination, GgmlType type)
    {
        NativeApi.llama_empty_call(); // resolves llama.cpp's native library before the direct P/Invoke
        var p = LLamaModelQuantizeParams.Default();
        p.ftype = type switch
        {
            GgmlType.F16 => LLamaFtype.MOSTLY_F16,
            GgmlType.BF16 => LLamaFtype.MOSTLY_BF16,
            GgmlType.Q8_0 => LLamaFtype.MOSTLY_Q8_0,
            GgmlType.Q4_0 => LLamaFtype.MOSTLY_Q4_0,
            GgmlType.Q4_K => LLamaFtype.MOSTLY_Q4_K_M,
            GgmlType.Q5_K => LLamaFtype.MOSTLY_Q5_K_M,
            GgmlType.Q6_K => LLamaFtype.MOSTLY_Q6_K,
            GgmlType.Q2_K => LLamaFtype.MOSTLY_Q2_K,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no llama.cpp file type"),
        };
        (p.pure, p.quantize_output_tensor, p.nthread) = (true, true, 2);
        Assert.True(NativeApi.llama_model_quantize(source, destination, ref p) == 0, $"llama.cpp could not quantize to {type}");
    }

    public void Dispose()
    {
        foreach (var (_, model) in _models.Values) model.Dispose();
        _tmp.Dispose();
    }
}
