// `r1 eval (--model DIR|REPO | --endpoint URL --model-name NAME [--api-key K]) (--dataset FILE | --task chain-sum|chain-sum-bilingual) --samples K ...`:
// the R1 evaluation protocol (R1-METHOD.md §5) — pass@1 over K samples, cons@K by majority vote — locally or remotely.
using System.CommandLine;
using System.Globalization;
using R1Sharp.Evaluation;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;
using R1Sharp.Tasks;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Cli.Commands;

internal static class EvalCommand
{
    public static Command Create()
    {
        var sources = new SampleSourceOptions("--model", "Local model directory or GGUF file, or ORG/NAME[@REV] fetched by `r1 pull` (or use --endpoint)",
            "Problems (.jsonl or .parquet; GSM8K, MATH-500 or AIME columns), or use --task",
            "Built-in task instead of --dataset: chain-sum (the held-out problems `r1 zero` evaluates, R1-Zero prompt, no instruction), or chain-sum-bilingual (the same problems, alternately in English and Chinese)");
        var samples = new Option<int>("--samples", "-k") { Description = "Samples per problem (pass@1 averages them; cons@k votes)", DefaultValueFactory = _ => 8 };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature", DefaultValueFactory = _ => 0.6f };
        var topP = new Option<float>("--top-p") { Description = "Nucleus mass", DefaultValueFactory = _ => 0.95f };
        var maxTokens = new Option<int?>("--max-tokens") { Description = $"New tokens per sample at most (default 32768; {ZeroTask.MaxCompletionTokens} with --task chain-sum; local: capped by the context)" };
        var output = new Option<string?>("--out", "-o") { Description = "Per-problem records (JSONL); a rerun skips the problems already there (default eval-<model>-<dataset>.jsonl); it holds one run: another model, dataset or setting is refused" };
        var instruction = new Option<string>("--instruction") { Description = "Appended to each problem on its own line ('' for none)", DefaultValueFactory = _ => EvalPrompt.DefaultInstruction };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N problems" };
        var seed = new Option<ulong>("--seed") { Description = "Base seed (sample i of problem p uses seed + p*k + i)", DefaultValueFactory = _ => 1234UL };
        var command = new Command("eval", "Evaluate a model on math problems: pass@1 over k samples and cons@k (R1 protocol), locally or on an OpenAI-compatible endpoint")
        {
            samples, temperature, topP, maxTokens, output, instruction, limit, seed,
        };
        foreach (var option in sources.All) command.Options.Add(option);
        CliAction.Set(command, async (parse, token) =>
        {
            var from = sources.Read(parse);
            string? path = from.Dataset;
            bool chainSum = from.ChainSum;
            var options = new EvalOptions
            {
                K = parse.GetValue(samples), Temperature = parse.GetValue(temperature), TopP = parse.GetValue(topP),
                MaxNewTokens = parse.GetValue(maxTokens) ?? (chainSum ? ZeroTask.MaxCompletionTokens : 32768), Seed = parse.GetValue(seed),
            }.Validate();
            IReadOnlyList<Problem> problems = from.Bilingual ? BilingualTask.EvalProblems(ZeroTask.HeldOutCount)
                : chainSum ? ZeroTask.EvalProblems(ZeroTask.HeldOutCount) : DatasetLoader.LoadProblems(path!);
            string? instr = chainSum ? null : parse.GetValue(instruction);
            string template = chainSum ? "r1-zero" : from.ChatTemplate;
            // Keyed on the whole dataset: --limit picks a prefix of the same run, so a larger --limit resumes it.
            var run = from.RunKey(problems, options, instr, template, parse.GetValue(sources.DType));
            // The chain-sum default is the 100 problems `r1 zero` evaluates before and after training.
            int? count = parse.GetValue(limit) ?? (chainSum ? 100 : null);
            if (count is { } n) problems = [.. problems.Take(Math.Max(0, n))];
            string name = from.Bilingual ? BilingualChainSum.Name : chainSum ? ChainSumTask.Name : Path.GetFileNameWithoutExtension(path!);
            string model = from.Endpoint is null ? Path.GetFileName(Path.GetFullPath(from.LocalPath()).TrimEnd('/')) : from.ModelName!;
            string outPath = parse.GetValue(output) ?? $"eval-{FileSafe(model)}-{name}.jsonl";
            EvalRunner.CheckRun(outPath, run); // before loading: another run's file is refused in a moment, not after minutes
            var backend = from.OpenBackend(options, instr, d => ChatTemplate.ForModel(d, template), (_, _) => model);
            using var owned = (IDisposable)backend;
            Console.Error.WriteLine($"evaluating {backend.Name} on {problems.Count} problems of {path ?? name + " (held out)"}, k = {options.K} -> {outPath}");
            var ids = problems.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            int resumed = EvalRunner.ReadRecords(outPath).Select(r => r.Id).Where(ids.Contains).Distinct().Count();
            if (resumed > 0) Console.Error.WriteLine($"resuming: {resumed} of {problems.Count} problems already in {outPath}");
            var result = await EvalRunner.RunAsync(backend, problems, options.K, outPath, p =>
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{p.Done}/{p.Total}] {p.Record.Id}: pass@1 {p.Record.PassAt1:0.000}, cons {(p.Record.ConsAtK ? "right" : "wrong")}"));
            }, token, run);
            Console.Out.Write(EvalRunner.FormatSummary(result.Summary, $"{(path is null ? name : Path.GetFileName(path))} — {backend.Name}"));
            // The summary as JSON beside the records (pass1 / cons / language_consistency ... in snake_case).
            File.WriteAllText(SummaryPath(outPath), System.Text.Json.JsonSerializer.Serialize(result.Summary, ZeroText.JsonIndented));
            return 0;
        });
        return command;
    }

    /// <summary>Where `r1 eval` writes the summary JSON of the records at <paramref name="outPath"/>: x.jsonl → x.summary.json.</summary>
    internal static string SummaryPath(string outPath) => Path.ChangeExtension(outPath, null) + ".summary.json";

    /// <summary>A model name as part of a file name: letters, digits, '.', '-' and '_' kept, anything else '_'.</summary>
    internal static string FileSafe(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
}
