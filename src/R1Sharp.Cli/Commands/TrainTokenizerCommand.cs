// `r1 train-tokenizer --corpus FILE --vocab-size N [--special TOKENS] --out DIR`: byte-level BPE
// (minbpe-style) written as tokenizer.json + tokenizer_config.json.
using System.CommandLine;
using System.Diagnostics;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Text.Training;

namespace R1Sharp.Cli.Commands;

internal static class TrainTokenizerCommand
{
    static readonly Dictionary<string, IReadOnlyList<string>> PreTokenizers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["qwen2"] = [SplitPreTokenizer.Qwen2Pattern],
        ["deepseek-v3"] = SplitPreTokenizer.DeepSeekV3Patterns,
        ["gpt4"] = [SplitPreTokenizer.Gpt4Pattern],
    };

    public static Command Create()
    {
        var corpus = new Option<string[]>("--corpus") { Description = "UTF-8 text file(s) to train on", Required = true, AllowMultipleArgumentsPerToken = true };
        var vocab = new Option<int>("--vocab-size") { Description = "Vocabulary size including the 256 byte tokens and the special tokens", Required = true };
        var special = new Option<string[]>("--special") { Description = "Special tokens (comma-separated or repeated), given the last ids", AllowMultipleArgumentsPerToken = true };
        var r1 = new Option<bool>("--r1") { Description = "Add the DeepSeek-R1 special tokens, BOS/EOS and the R1 chat template" };
        var pre = new Option<string>("--pre-tokenizer") { Description = "Split pattern: qwen2, deepseek-v3 or gpt4", DefaultValueFactory = _ => "qwen2" };
        var minFrequency = new Option<int>("--min-frequency") { Description = "Stop merging when the best pair occurs fewer times", DefaultValueFactory = _ => 2 };
        var bos = new Option<string?>("--bos") { Description = "BOS token (one of the special tokens)" };
        var eos = new Option<string?>("--eos") { Description = "EOS token (one of the special tokens)" };
        var output = new Option<string>("--out") { Description = "Output directory", Required = true };
        var command = new Command("train-tokenizer", "Train a byte-level BPE tokenizer and write tokenizer.json + tokenizer_config.json")
        {
            corpus, vocab, special, r1, pre, minFrequency, bos, eos, output,
        };
        CliAction.Set(command, (parse, token) =>
        {
            string preName = parse.GetValue(pre)!;
            if (!PreTokenizers.TryGetValue(preName, out var patterns))
                throw new R1SharpException($"--pre-tokenizer: unknown '{preName}'; use one of {string.Join(", ", PreTokenizers.Keys)}");
            bool isR1 = parse.GetValue(r1);
            var specials = new List<string>(isR1 ? DeepSeekR1Jinja.SpecialTokens : []);
            foreach (var s in (parse.GetValue(special) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                if (!specials.Contains(s)) specials.Add(s);
            string? bosToken = parse.GetValue(bos) ?? (isR1 ? DeepSeekR1ChatTemplate.Bos : null);
            string? eosToken = parse.GetValue(eos) ?? (isR1 ? DeepSeekR1ChatTemplate.Eos : null);
            foreach (var (name, t) in new[] { ("--bos", bosToken), ("--eos", eosToken) })
                if (t is not null && !specials.Contains(t))
                    throw new R1SharpException($"{name}: '{t}' is not one of the special tokens; add it with --special");

            var files = parse.GetRequiredValue(corpus);
            foreach (var f in files)
                if (!File.Exists(f)) throw new R1SharpException($"--corpus: file not found: {f}");
            var options = new BpeTrainerOptions
            {
                VocabSize = parse.GetValue(vocab),
                SpecialTokens = specials,
                MinFrequency = parse.GetValue(minFrequency),
                PreTokenizerPatterns = patterns,
                Progress = ProgressPrinter(),
            };
            options.Validate();
            var clock = Stopwatch.StartNew();
            var result = BpeTrainer.Train(ReadLines(files, token), options);
            string outDir = parse.GetRequiredValue(output);
            TrainedTokenizerWriter.Save(result, outDir, new TokenizerFileOptions
            {
                BosToken = bosToken,
                EosToken = eosToken,
                PadToken = eosToken,
                AddBosToken = bosToken is not null,
                ChatTemplate = isR1 ? DeepSeekR1Jinja.Source : null,
            });
            Console.WriteLine($"trained vocab {result.VocabSize} (256 bytes + {result.Merges.Count} merges + {result.SpecialTokens.Count} special) " +
                $"from {result.TotalChunks:N0} chunks ({result.UniqueChunks:N0} unique) in {clock.Elapsed.TotalSeconds:0.0} s -> {outDir}");
            return 0;
        });
        return command;
    }

    static IEnumerable<string> ReadLines(string[] files, CancellationToken token)
    {
        foreach (var file in files)
            foreach (var line in File.ReadLines(file))
            {
                token.ThrowIfCancellationRequested();
                yield return line + "\n"; // newlines are text the tokenizer must learn
            }
    }

    // Plain lines, at most one per stage and ten per stage's progress: fine on terminals and in CI logs.
    static Action<BpeTrainingProgress> ProgressPrinter()
    {
        string stage = "";
        long nextReport = 0;
        return p =>
        {
            if (p.Stage != stage) { stage = p.Stage; nextReport = 0; }
            if (p.Done < nextReport && p.Done != p.Total) return;
            nextReport = p.Done + Math.Max(1, p.Total / 10);
            Console.Error.WriteLine($"{p.Stage}: {p.Done:N0}/{p.Total:N0}");
        };
    }
}
