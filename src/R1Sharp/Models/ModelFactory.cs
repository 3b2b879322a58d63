// Creates random-initialised Hugging Face model directories (`r1 new-model`): config.json,
// model.safetensors, the tokenizer files and generation_config.json, written atomically.
using R1Sharp.Formats.Config;
using R1Sharp.Text;
using TorchSharp;

namespace R1Sharp.Models;

public static class ModelFactory
{
    /// <summary>Tokenizer files copied next to the weights when present.</summary>
    static readonly string[] TokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json"];

    /// <summary>
    /// Writes a model of <paramref name="config"/> with weights drawn from seed <paramref name="seed"/>
    /// (N(0, initializer_range), norms 1, biases 0) and the tokenizer of <paramref name="tokenizerDirectory"/>
    /// into <paramref name="outDirectory"/>, which must not exist or be empty. Built in a temporary sibling
    /// directory and renamed into place, so a failure leaves nothing half-written.
    /// </summary>
    public static void CreateRandom(ModelConfig config, string tokenizerDirectory, long seed, string outDirectory,
        torch.ScalarType dtype = torch.ScalarType.Float32)
    {
        var tokenizer = HfTokenizer.Load(tokenizerDirectory);
        if (config.VocabSize < tokenizer.VocabSize)
            throw new R1SharpException($"config vocab_size ({config.VocabSize}) is smaller than the tokenizer's {tokenizer.VocabSize} tokens; raise vocab_size");
        string target = Path.GetFullPath(outDirectory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new R1SharpException($"--out {outDirectory}: the directory exists and is not empty; remove it or choose another");

        string temp = target.TrimEnd(Path.DirectorySeparatorChar) + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        try
        {
            using (var model = new DecoderModel(config, dtype))
            {
                model.InitializeWeights(seed);
                model.Save(temp);
            }
            foreach (var file in TokenizerFiles)
            {
                string source = Path.Combine(tokenizerDirectory, file);
                if (File.Exists(source)) File.Copy(source, Path.Combine(temp, file));
            }
            var generation = GenerationConfig.Default with
            {
                BosTokenId = tokenizer.BosId,
                EosTokenIds = tokenizer.EosId is { } eos ? new ValueList<int>([eos]) : null,
                PadTokenId = tokenizer.PadId ?? tokenizer.EosId,
            };
            File.WriteAllText(Path.Combine(temp, "generation_config.json"), generation.ToJson());
            if (Directory.Exists(target)) Directory.Delete(target); // empty, checked above
            Directory.Move(temp, target);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }
}
