// `r1 perplexity --model DIR --file TEXT [--context N] [--all-tokens] [--json]`: llama.cpp-style perplexity over
// non-overlapping windows (second half of each window scored, first token set to BOS when the tokenizer adds one).
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Text;

namespace R1Sharp.Cli.Commands;

internal static class PerplexityCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var file = new Option<string>("--file", "-f") { Description = "UTF-8 text file to score", Required = true };
        var context = new Option<int>("--context", "-c") { Description = "Window length in tokens", DefaultValueFactory = _ => 512 };
        var all = new Option<bool>("--all-tokens") { Description = "Score every token of each window, not only the second half (llama.cpp's default)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {perplexity, mean_nll, tokens, windows, context}" };
        var dtype = CommonOptions.WeightDType();
        var adapter = CommonOptions.Adapter();
        var command = new Command("perplexity", "Perplexity of a model on a text file (llama.cpp's method: non-overlapping windows, second half scored)")
        {
            model, file, context, all, json, dtype, adapter,
        };
        CliAction.Set(command, (parse, token) =>
        {
            var load = CommonOptions.LoadOptions(parse, dtype, adapter);
            string path = parse.GetRequiredValue(file);
            if (!File.Exists(path)) throw new R1SharpException($"--file: file not found: {path}");
            var options = new PerplexityOptions { Context = parse.GetValue(context), ScoreSecondHalf = !parse.GetValue(all) }.Validate();
            string dir = CommonOptions.ResolveModel(parse, model);
            var tokenizer = HfTokenizer.Load(dir);
            using var decoder = DecoderModel.Load(dir, load);
            var tokens = tokenizer.Encode(File.ReadAllText(path), addSpecialTokens: false);
            int? bos = tokenizer.AddsBosToken ? tokenizer.BosId : null;
            var result = Perplexity.Compute(decoder, tokens, options, bos, w => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"window {w.Index + 1}/{w.Count}: nll {w.Nll:0.0000}, running perplexity {w.RunningPerplexity:0.0000}")), token);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(new JsonObject
                {
                    ["perplexity"] = result.Perplexity,
                    ["mean_nll"] = result.MeanNll,
                    ["scored_tokens"] = result.ScoredTokens,
                    ["tokens"] = tokens.Length,
                    ["windows"] = result.Windows,
                    ["context"] = result.Context,
                    ["scored"] = options.ScoreSecondHalf ? "second_half" : "all",
                }.ToJsonString());
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"perplexity {result.Perplexity:0.0000} (mean nll {result.MeanNll:0.00000} over {result.ScoredTokens} tokens, {result.Windows} windows of {result.Context})"));
            }
            return 0;
        });
        return command;
    }
}
