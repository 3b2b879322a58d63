// GGUF import parity: the weights we load from each file equal ggml's own dequantization of it, our logits match
// llama.cpp's on the same file and ids at every position, and the tokenizer/chat template from the metadata tokenize
// like llama.cpp. Files per quant type come from our exporter and from ggml's quantizer (ImportModels).
using R1Sharp.Formats.Gguf;
using R1Sharp.Models;
using R1Sharp.Models.Export;
using R1Sharp.Tests.Formats.Gguf;
using R1Sharp.Tests.Models.Export;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Models.Import;

public class GgufImportParityTests(ImportModels files) : IClassFixture<ImportModels>
{
    private static readonly (GgmlType Type, GgufMaker Maker)[] Kinds =
    [
        (GgmlType.F32, GgufMaker.Exporter), (GgmlType.F16, GgufMaker.Exporter), (GgmlType.Q8_0, GgufMaker.Exporter),
        (GgmlType.BF16, GgufMaker.LlamaCpp), (GgmlType.Q8_0, GgufMaker.LlamaCpp), (GgmlType.Q4_0, GgufMaker.LlamaCpp),
        (GgmlType.Q4_K, GgufMaker.LlamaCpp), (GgmlType.Q5_K, GgufMaker.LlamaCpp), (GgmlType.Q6_K, GgufMaker.LlamaCpp),
    ];

    public static TheoryData<string, GgmlType, GgufMaker> Files()
    {
        var data = new TheoryData<string, GgmlType, GgufMaker>();
        foreach (var c in ImportModels.Cases)
            foreach (var (type, maker) in Kinds) data.Add(c.Name, type, maker);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Loaded_weights_equal_ggml_dequantization_of_the_file(string caseName, GgmlType type, GgufMaker maker)
    {
        string gguf = files.File(caseName, type, maker);
        using var model = DecoderModel.Load(gguf);
        using var file = GgufFile.Open(gguf);
        var config = model.Config;
        int checkedTensors = 0;
        foreach (var (name, parameter) in model.CheckpointParameters())
        {
            var info = file.GetTensor(GgufNames.HfToGguf(name));
            float[] ggml = GgmlNative.Dequantize(info.Type, file.ReadTensorBytes(info), info.ElementCount);
            using var contiguous = parameter.contiguous();
            float[] ours = contiguous.data<float>().ToArray();
            int heads = config.ModelType == "llama" ? GgufTensorPlan.LlamaPermuteHeads(config, name) : 0;
            if (heads > 0)
            {
                int rows = (int)parameter.shape[0];
                ours = GgufNames.PermuteLlamaQK(ours, rows, ours.Length / rows, heads); // back to the file's row order
            }
            int first = Enumerable.Range(0, ours.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(ours[i]) != BitConverter.SingleToInt32Bits(ggml[i]), -1);
            Assert.True(first < 0, $"{caseName} {type}: {name} ({info.Type}) element {first} differs from ggml's dequantization");
            checkedTensors++;
        }
        Assert.Equal(file.Tensors.Count(t => t.Name != "rope_freqs.weight"), checkedTensors);
        var down = file.GetTensor("blk.0.ffn_down.weight");
        if (maker == GgufMaker.LlamaCpp) Assert.Equal(ImportModels.Stored(type, down.Dims[0]), down.Type);
    }

    [Fact]
    public void Bf16_load_of_a_BF16_file_keeps_its_values()
    {
        string gguf = files.File("llama_h256", GgmlType.BF16, GgufMaker.LlamaCpp);
        using var model = DecoderModel.Load(gguf, new ModelLoadOptions { DType = TorchSharp.torch.ScalarType.BFloat16 });
        using var file = GgufFile.Open(gguf);
        int compared = 0;
        // q/k rows are permuted in the file (llama) and 1-D tensors are F32 there; every other matrix is BF16 in order.
        foreach (var (name, parameter) in model.CheckpointParameters().Where(p => GgufTensorPlan.LlamaPermuteHeads(model.Config, p.Name) == 0))
        {
            Assert.Equal(TorchSharp.torch.ScalarType.BFloat16, parameter.dtype);
            var info = file.GetTensor(GgufNames.HfToGguf(name));
            if (info.Type != GgmlType.BF16) continue;
            compared++;
            using var asFloat = parameter.to_type(TorchSharp.torch.ScalarType.Float32).contiguous();
            Assert.Equal(GgmlNative.Dequantize(info.Type, file.ReadTensorBytes(info), info.ElementCount), asFloat.data<float>().ToArray());
        }
        Assert.True(compared >= 2 * 4 + 1, $"only {compared} BF16 matrices compared"); // v, o, gate, up, down per layer + embedding
    }

    /// <summary>
    /// How far llama.cpp's logits on a file may be from ours, as a share of the largest |logit|. Both sides run the
    /// same weights (bit-exact, see above), but llama.cpp's CPU matmuls also round the activations to the weight
    /// type's partner: F16 and BF16 rows (vec_dot_type F16/BF16: ~5e-4 / ~4e-3 relative per element), Q8_0/Q8_1 blocks
    /// for Q8_0, Q4_0 and the Q5_0/Q5_1 fallbacks, Q8_K blocks for the k-quants (max/127 per block: up to 0.4 % per
    /// element). Measured on these models: F32 ≤ 9e-7 absolute, F16 0.04 %, BF16 0.34 %, Q8_0/Q4_0 1.1 %, k-quants and
    /// their fallbacks 1.5 % at most; the bounds leave ≥ 3× headroom. That the rest is only activation rounding is checked directly: llama.cpp on an F32 file of our
    /// dequantized weights matches our logits to 1e-5.
    /// </summary>
    private static double Tolerance(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 0.002,
        GgmlType.BF16 => 0.01,
        _ => 0.05,
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Logits_match_llama_cpp_on_the_same_file(string caseName, GgmlType type, GgufMaker maker)
    {
        string gguf = files.File(caseName, type, maker);
        var c = ImportModels.Cases.Single(x => x.Name == caseName);
        var tokenizer = HfTokenizer.Load(gguf);
        int[] ids = tokenizer.Encode(ExportModels.Prompt(c.Tokenizer));
        Assert.Equal(LlamaCppReference.Tokenize(gguf, ExportModels.Prompt(c.Tokenizer), tokenizer.AddsBosToken), ids);
        using var model = DecoderModel.Load(gguf);
        float[][] ours = GgufExportParityTests.Forward(model, ids);
        float[][] theirs = LlamaCppReference.Logits(gguf, ids);
        double scale = ours.Max(r => r.Max(Math.Abs));
        double worst = Enumerable.Range(0, ids.Length).Max(t => GgufExportParityTests.MaxAbsDiff(ours[t], theirs[t]));
        double bound = Math.Max(1e-5, Tolerance(type) * scale);
        Assert.True(worst <= bound, $"{caseName} {type} {maker}: max |Δlogit| {worst:G3} > {bound:G3} (logit scale {scale:G3}), {ids.Length} positions");

        if (type == GgmlType.F32) return;
        float[][] exact = LlamaCppReference.Logits(files.DequantizedF32(caseName, model, $"{type}.{maker}"), ids);
        double rest = Enumerable.Range(0, ids.Length).Max(t => GgufExportParityTests.MaxAbsDiff(ours[t], exact[t]));
        Assert.True(rest <= 1e-5, $"{caseName} {type} {maker}: llama.cpp on the dequantized weights in F32 differs by {rest:G3}");
    }

    [Theory]
    [InlineData("qwen2_h256")]
    [InlineData("llama_h256")]
    public void F32_file_loads_the_exported_model(string caseName)
    {
        var (dir, original) = files.Model(caseName);
        string gguf = files.File(caseName, GgmlType.F32, GgufMaker.Exporter);
        using var loaded = DecoderModel.Load(gguf);
        var (a, b) = (original.Config, loaded.Config);
        Assert.Equal((a.ModelType, a.VocabSize, a.HiddenSize, a.IntermediateSize, a.NumHiddenLayers, a.NumAttentionHeads, a.NumKeyValueHeads, a.HeadDim),
            (b.ModelType, b.VocabSize, b.HiddenSize, b.IntermediateSize, b.NumHiddenLayers, b.NumAttentionHeads, b.NumKeyValueHeads, b.HeadDim));
        Assert.Equal((a.MaxPositionEmbeddings, (float)a.RmsNormEps, (float)a.RopeTheta, a.TieWordEmbeddings, a.AttentionBias, a.OutputProjectionBias),
            (b.MaxPositionEmbeddings, (float)b.RmsNormEps, (float)b.RopeTheta, b.TieWordEmbeddings, b.AttentionBias, b.OutputProjectionBias));
        int[] ids = HfTokenizer.Load(dir).Encode(ExportModels.Prompt(ImportModels.Cases.Single(c => c.Name == caseName).Tokenizer));
        float[][] expected = GgufExportParityTests.Forward(original, ids), actual = GgufExportParityTests.Forward(loaded, ids);
        double worst = Enumerable.Range(0, ids.Length).Max(t => GgufExportParityTests.MaxAbsDiff(actual[t], expected[t]));
        Assert.True(worst <= 1e-5, $"{caseName}: max |Δlogit| {worst:G3} between the HF directory and its F32 GGUF");
    }

    [Theory]
    [InlineData("qwen2_h256")]
    [InlineData("llama_h256")]
    public void Tokenizer_and_chat_template_from_metadata_tokenize_like_llama_cpp(string caseName)
    {
        var (dir, _) = files.Model(caseName);
        string gguf = files.File(caseName, GgmlType.F32, GgufMaker.Exporter);
        var fromGguf = HfTokenizer.Load(gguf);
        var fromDir = HfTokenizer.Load(dir);
        var template = ChatTemplate.FromModelDirectory(gguf, runtimeAddsBos: true);
        Assert.IsType<DeepSeekR1ChatTemplate>(template);
        string chat = template.Render([ChatTurn.System("Be brief."), ChatTurn.User("What is 12 + 30?")]);
        Assert.Equal(ChatTemplate.FromModelDirectory(dir, runtimeAddsBos: true).Render([ChatTurn.System("Be brief."), ChatTurn.User("What is 12 + 30?")]), chat);
        string[] texts = [chat, "Hello world", "  leading spaces and 12345 digits", "<｜User｜>x<｜Assistant｜><think>\nok</think>", "émoji 🙂 and 漢字"];
        using var weights = LlamaCppReference.Load(gguf, out var p);
        using var context = weights.CreateContext(p);
        foreach (string text in texts)
        {
            int[] ours = fromGguf.Encode(text);
            Assert.Equal(fromDir.Encode(text), ours);
            Assert.Equal(context.Tokenize(text, fromGguf.AddsBosToken, special: true).Select(t => (int)t).ToArray(), ours);
        }
        Assert.Equal(fromDir.EosId, fromGguf.EosId);
        Assert.Equal(fromDir.BosId, fromGguf.BosId);
    }
}
