// Tiny deepseek_v3 model directories for the preset and GGUF tests: random weights (TinyDeepSeek) plus the BPE test
// tokenizer with the DeepSeek-V3 pre-tokenizer and R1 specials (ExportModels).
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Tests.Models.Export;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Text.Training;

namespace R1Sharp.Tests.Models.DeepSeekV3;

internal static class DeepSeekV3Export
{
    public static int TokenizerVocab => ExportModels.Tokenizer(TestTokenizer.DeepSeekV3R1).VocabSize;

    public static void WriteTokenizer(string dir)
    {
        Directory.CreateDirectory(dir);
        TrainedTokenizerWriter.Save(ExportModels.Tokenizer(TestTokenizer.DeepSeekV3R1), dir, new TokenizerFileOptions
        {
            BosToken = DeepSeekR1ChatTemplate.Bos, EosToken = DeepSeekR1ChatTemplate.Eos, PadToken = DeepSeekR1ChatTemplate.Eos,
            AddBosToken = true, ChatTemplate = DeepSeekR1Jinja.Source,
        });
    }

    /// <summary>A model directory with <paramref name="config"/> (vocab set to the tokenizer's) and its model.</summary>
    public static (string Dir, DecoderModel Model) Write(DeepSeekV3Config config, string root, string name, long seed = 7)
    {
        string dir = Path.Combine(root, name);
        var model = TinyDeepSeek.Create(config with { VocabSize = TokenizerVocab }, MlaPath.Absorbed, seed);
        model.Save(dir);
        WriteTokenizer(dir);
        return (dir, model);
    }
}
