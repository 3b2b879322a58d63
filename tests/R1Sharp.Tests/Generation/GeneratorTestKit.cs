// Shared pieces for the generator tests: a BPE tokenizer trained on the corpus fixture with the DeepSeek-R1
// special tokens and chat template, tiny random qwen2 models sized to it, a "constant" model that always
// predicts one token, and model directories saved to temp dirs for the CLI tests.
using R1Sharp.Formats.Config;
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Tests.Models;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Text.Training;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Generation;

internal static class GeneratorTestKit
{
    public const int Vocab = 400;

    private static readonly Lazy<string> s_tokenizerDir = new(TrainTokenizer);

    /// <summary>tokenizer.json + tokenizer_config.json (R1 specials, BOS/EOS, R1 chat template) in a temp dir.</summary>
    public static string TokenizerDir => s_tokenizerDir.Value;

    public static HfTokenizer Tokenizer => HfTokenizer.Load(TokenizerDir);

    public static int EosId => Tokenizer.EosId!.Value;

    public static ModelConfig Config(int context = 256) => new Qwen2Config
    {
        VocabSize = Vocab, HiddenSize = 64, IntermediateSize = 96, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, RmsNormEps = 1e-6, RopeTheta = 10000, MaxPositionEmbeddings = context,
        EosTokenIds = new[] { EosId },
    };

    /// <summary>Random weights with a large init (peaked logits, so greedy ties are not a concern).</summary>
    public static DecoderModel RandomModel(long seed = 1, int context = 256) => TinyModels.Create(Config(context), seed);

    /// <summary>
    /// A model whose logits put <paramref name="token"/> first whatever the input: all weights zero except the
    /// embedding (ones) and the lm_head row of the token (ones), so the final hidden state is all ones.
    /// </summary>
    public static DecoderModel ConstantModel(int token)
    {
        var model = new DecoderModel(Config());
        model.InitializeWeights(1, std: 0.0);
        using var noGrad = no_grad();
        model.model.embed_tokens.weight.fill_(1.0);
        model.lm_head!.weight[token].fill_(1.0);
        return model;
    }

    public static R1Sharp.Generation.TextGenerator NewGenerator(DecoderModel model) => new(model, Tokenizer);

    /// <summary>Greedy options with the loop guard off and no thinking budget.</summary>
    public static GenerationOptions Greedy(int maxNewTokens) => new()
    {
        Sampler = new SamplerOptions { Temperature = 0f },
        MaxNewTokens = maxNewTokens,
        LoopGuard = null,
    };

    /// <summary>Random prompt ids that are ordinary (non-special) tokens.</summary>
    public static int[] RandomPrompt(Random rng, int length) =>
        Enumerable.Range(0, length).Select(_ => rng.Next(0, 380)).ToArray();

    /// <summary>Saves a model plus the tokenizer files into a fresh temp dir (a complete HF model directory).</summary>
    public static string SaveModelDir(DecoderModel model, GenerationConfig? generation = null)
    {
        string dir = Directory.CreateTempSubdirectory("r1gen").FullName;
        model.Save(dir);
        foreach (var file in Directory.GetFiles(TokenizerDir)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        if (generation is not null) File.WriteAllText(Path.Combine(dir, "generation_config.json"), generation.ToJson());
        return dir;
    }

    private static string TrainTokenizer()
    {
        var lines = File.ReadAllLines(RepoPaths.Fixture("bpe", "corpus.txt")).Select(l => l + "\n");
        var result = BpeTrainer.Train(lines, new BpeTrainerOptions { VocabSize = Vocab, SpecialTokens = DeepSeekR1Jinja.SpecialTokens });
        string dir = Directory.CreateTempSubdirectory("r1gen-tok").FullName;
        TrainedTokenizerWriter.Save(result, dir, new TokenizerFileOptions
        {
            BosToken = DeepSeekR1ChatTemplate.Bos,
            EosToken = DeepSeekR1ChatTemplate.Eos,
            PadToken = DeepSeekR1ChatTemplate.Eos,
            AddBosToken = true,
            ChatTemplate = DeepSeekR1Jinja.Source,
        });
        return dir;
    }
}
