// Random tiny qwen2/llama model directories for the GGUF export tests: a config record, random weights saved as
// safetensors, and a BPE tokenizer trained on tests/fixtures/bpe/corpus.txt (see its README) with a chosen pre-tokenizer.
using System.Collections.Concurrent;
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Tests.Models;
using R1Sharp.Tests.Text.Training;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Text.Training;

namespace R1Sharp.Tests.Models.Export;

/// <summary>Which pre-tokenizer a test tokenizer is trained with, and whether it carries the R1 specials (BOS added).</summary>
public enum TestTokenizer { Qwen2R1, Qwen2Plain, Gpt4R1, DeepSeekV3R1 }

/// <summary>One model shape of the parity matrix; <see cref="Name"/> is what the test runner shows.</summary>
public sealed record ExportCase(string Name, string Arch, int Hidden, int Heads, int KvHeads, int Ffn, bool Tied,
    bool Llama3Rope = false, int ExtraVocab = 0, bool AttentionBias = false, TestTokenizer Tokenizer = TestTokenizer.Qwen2R1, int? HeadDim = null)
{
    public override string ToString() => Name;
}

internal static class ExportModels
{
    public const int TokenizerVocab = 520;
    private static readonly ConcurrentDictionary<TestTokenizer, BpeTrainingResult> s_tokenizers = new();

    /// <summary>The parity matrix: GQA 1/2/4, odd hidden sizes, tied/untied, llama3 rope, a padded vocabulary, biases.</summary>
    public static readonly ExportCase[] Cases =
    [
        new("qwen2_h72_gqa1_untied", "qwen2", Hidden: 72, Heads: 3, KvHeads: 3, Ffn: 120, Tied: false),
        new("qwen2_h64_gqa4_tied_padded", "qwen2", Hidden: 64, Heads: 8, KvHeads: 2, Ffn: 96, Tied: true, ExtraVocab: 77, Tokenizer: TestTokenizer.Qwen2Plain),
        new("llama_h64_gqa2_llama3rope", "llama", Hidden: 64, Heads: 4, KvHeads: 2, Ffn: 80, Tied: false, Llama3Rope: true, Tokenizer: TestTokenizer.Gpt4R1),
        new("llama_h96_gqa4_tied_bias", "llama", Hidden: 96, Heads: 4, KvHeads: 1, Ffn: 136, Tied: true, AttentionBias: true, Tokenizer: TestTokenizer.DeepSeekV3R1),
    ];

    public static ExportCase Case(string name) => Cases.Single(c => c.Name == name);

    public static BpeTrainingResult Tokenizer(TestTokenizer kind) => s_tokenizers.GetOrAdd(kind, k =>
    {
        bool r1 = k != TestTokenizer.Qwen2Plain;
        IReadOnlyList<string> patterns = k switch
        {
            TestTokenizer.Gpt4R1 => [SplitPreTokenizer.Gpt4Pattern],
            TestTokenizer.DeepSeekV3R1 => SplitPreTokenizer.DeepSeekV3Patterns,
            _ => [SplitPreTokenizer.Qwen2Pattern],
        };
        return BpeTrainer.Train(BpeTrainerTests.CorpusLines(), new BpeTrainerOptions
        {
            VocabSize = TokenizerVocab,
            SpecialTokens = r1 ? DeepSeekR1Jinja.SpecialTokens : ["<|endoftext|>"],
            MinFrequency = 1,
            PreTokenizerPatterns = patterns,
        });
    });

    public static ModelConfig Config(ExportCase c, int vocab)
    {
        int v = vocab + c.ExtraVocab;
        return c.Arch == "qwen2"
            ? new Qwen2Config
            {
                VocabSize = v, HiddenSize = c.Hidden, IntermediateSize = c.Ffn, NumHiddenLayers = 2, NumAttentionHeads = c.Heads,
                NumKeyValueHeads = c.KvHeads, ExplicitHeadDim = c.HeadDim, RmsNormEps = 1e-6, RopeTheta = 10000,
                TieWordEmbeddings = c.Tied, MaxPositionEmbeddings = 512,
            }
            : new LlamaConfig
            {
                VocabSize = v, HiddenSize = c.Hidden, IntermediateSize = c.Ffn, NumHiddenLayers = 2, NumAttentionHeads = c.Heads,
                NumKeyValueHeads = c.KvHeads, ExplicitHeadDim = c.HeadDim, RmsNormEps = 1e-5, RopeTheta = 500000,
                TieWordEmbeddings = c.Tied, MaxPositionEmbeddings = 512, AttentionBias = c.AttentionBias,
                // A short original context so that all three llama3 bands (kept, smoothed, divided) occur.
                RopeScaling = c.Llama3Rope ? new Llama3RopeScaling { Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 64 } : null,
            };
    }

    /// <summary>Writes a model directory for <paramref name="c"/> under <paramref name="root"/> and returns it with the model (matrices of std <paramref name="std"/>).</summary>
    public static (string Dir, DecoderModel Model) Write(ExportCase c, string root, long seed = 7, double std = 0.2)
    {
        var tok = Tokenizer(c.Tokenizer);
        var config = Config(c, tok.VocabSize);
        string dir = Path.Combine(root, c.Name);
        var model = TinyModels.Create(config, seed, std);
        model.Save(dir);
        bool r1 = c.Tokenizer != TestTokenizer.Qwen2Plain;
        TrainedTokenizerWriter.Save(tok, dir, new TokenizerFileOptions
        {
            BosToken = r1 ? DeepSeekR1ChatTemplate.Bos : null,
            EosToken = r1 ? DeepSeekR1ChatTemplate.Eos : "<|endoftext|>",
            PadToken = r1 ? DeepSeekR1ChatTemplate.Eos : "<|endoftext|>",
            AddBosToken = r1,
            ChatTemplate = r1 ? DeepSeekR1Jinja.Source : null,
        });
        return (dir, model);
    }

    /// <summary>A prompt of ≥ 32 tokens from the corpus' English/code lines, with R1 markers when the tokenizer has them.</summary>
    public static string Prompt(TestTokenizer kind)
    {
        string text = string.Join("\n", File.ReadLines(RepoPaths.Fixture("bpe", "corpus.txt")).Take(3));
        return kind == TestTokenizer.Qwen2Plain ? text + "<|endoftext|>"
            : $"<｜User｜>{text}<｜Assistant｜><think>\nok</think>";
    }
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "r1export-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
