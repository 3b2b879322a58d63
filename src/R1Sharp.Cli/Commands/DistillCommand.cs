// `r1 distill (--teacher DIR|REPO | --endpoint URL --model-name NAME) (--dataset FILE | --task chain-sum) --samples K --out FILE`:
// R1's rejection sampling (R1-METHOD.md §4.4): K teacher traces per problem, filtered, written as SFT data for `r1 train sft`.
// Ctrl+C or SIGTERM stops at once (problems in flight are dropped; finished ones are in OUT.state.jsonl, the checkpoint)
// and exits 130 / 143; the same command again resumes.
using System.CommandLine;
using System.Globalization;
using R1Sharp.Evaluation;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;
using R1Sharp.Recipes.Distillation;
using R1Sharp.Rewards;
using R1Sharp.Tasks;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Cli.Commands;

internal static class DistillCommand
{
    public static Command Create()
    {
        var filters = new TraceFilterOptions();
        var sources = new SampleSourceOptions("--teacher", "Local teacher model directory, or ORG/NAME[@REV] fetched by `r1 pull` (or use --endpoint)",
            "Problems (.jsonl or .parquet; GSM8K, MATH-500 or AIME columns)",
            "Built-in task instead of --dataset: chain-sum (R1-Zero plain prompts; training problems, never the held-out ones)");
        var problemCount = new Option<int>("--problems") { Description = "Training problems of --task", DefaultValueFactory = _ => 1000 };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N problems of --dataset" };
        var samples = new Option<int>("--samples", "-k") { Description = "Teacher samples per problem", DefaultValueFactory = _ => 4 };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature", DefaultValueFactory = _ => 0.6f };
        var topP = new Option<float>("--top-p") { Description = "Nucleus mass", DefaultValueFactory = _ => 0.95f };
        var maxTokens = new Option<int?>("--max-tokens") { Description = $"New tokens per sample at most (default 32768; {ZeroTask.MaxCompletionTokens} with --task chain-sum; local: capped by the context)" };
        var keep = new Option<int?>("--keep-per-problem") { Description = "Accepted traces kept per problem at most (default all)" };
        var output = new Option<string>("--out", "-o") { Description = "SFT dataset (JSONL); beside it OUT.rejected.jsonl and OUT.state.jsonl (a rerun resumes)", Required = true };
        var instruction = new Option<string>("--instruction") { Description = "Appended to each --dataset problem on its own line ('' for none)", DefaultValueFactory = _ => EvalPrompt.DefaultInstruction };
        var seed = new Option<ulong>("--seed") { Description = "Base seed (sample i of problem p uses seed + p*k + i; also draws --task problems)", DefaultValueFactory = _ => 1234UL };
        var paragraph = new Option<int>("--max-paragraph-chars") { Description = "Reject traces with a longer paragraph", DefaultValueFactory = _ => filters.MaxParagraphChars };
        var repetition = new Option<double>("--max-repetition") { Description = "Reject traces whose share of repeated word n-grams is higher", DefaultValueFactory = _ => filters.MaxRepetition };
        var ngram = new Option<int>("--repetition-ngram") { Description = "n of the repetition check", DefaultValueFactory = _ => filters.RepetitionNgram };
        var languageShare = new Option<double>("--min-language-share") { Description = "Least share of target-language words in the reasoning", DefaultValueFactory = _ => filters.MinLanguageShare };
        var language = new Option<ReasoningLanguage>("--language") { Description = "Target language of the reasoning", DefaultValueFactory = _ => filters.Language };
        var allowCode = new Option<bool>("--allow-code") { Description = "Keep traces with ``` code blocks" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start over: remove OUT, OUT.rejected.jsonl and OUT.state.jsonl first (a rerun otherwise resumes)" };
        var command = new Command("distill", "Distillation data by rejection sampling: K teacher traces per problem, keep the correct, readable ones as SFT JSONL")
        {
            problemCount, limit, samples, temperature, topP, maxTokens, keep,
            output, instruction, seed, paragraph, repetition, ngram, languageShare, language, allowCode, overwrite,
        };
        foreach (var option in sources.All) command.Options.Add(option);
        CliAction.SetTraining(command, async (parse, interrupt) =>
        {
            var from = sources.Read(parse);
            string? path = from.Dataset;
            bool chainSum = from.ChainSum;
            if (from.Bilingual) throw new R1SharpException("--task chain-sum-bilingual: r1 distill does not take it yet (its language filter would need each prompt's language); use --task chain-sum");
            if (chainSum && parse.GetValue(problemCount) < 1) throw new R1SharpException($"--problems must be >= 1, got {parse.GetValue(problemCount)}");
            var options = new DistillOptions
            {
                Sampling = new EvalOptions
                {
                    K = parse.GetValue(samples), Temperature = parse.GetValue(temperature), TopP = parse.GetValue(topP),
                    MaxNewTokens = parse.GetValue(maxTokens) ?? (chainSum ? ZeroTask.MaxCompletionTokens : 32768), Seed = parse.GetValue(seed),
                },
                KeepPerProblem = parse.GetValue(keep), Format = chainSum ? DistillFormat.PromptCompletion : DistillFormat.Messages,
                Instruction = chainSum ? null : parse.GetValue(instruction),
                Filters = new TraceFilterOptions
                {
                    MaxParagraphChars = parse.GetValue(paragraph), MaxRepetition = parse.GetValue(repetition), RepetitionNgram = parse.GetValue(ngram),
                    MinLanguageShare = parse.GetValue(languageShare), Language = parse.GetValue(language), RejectCodeBlocks = !parse.GetValue(allowCode),
                },
            }.Validate();
            IReadOnlyList<Problem> problems = chainSum
                ? ZeroTask.TrainProblems(parse.GetValue(problemCount), options.Sampling.Seed)
                : DatasetLoader.LoadProblems(path!);
            // Keyed on the whole dataset (or the task and seed): a larger --limit / --problems continues the same run.
            var run = from.RunKey(chainSum ? $"{ChainSumTask.Name} training problems, seed {options.Sampling.Seed}" : EvalRunKey.FingerprintProblems(problems),
                options.Sampling, options.Instruction, chainSum ? "r1-zero" : from.ChatTemplate, parse.GetValue(sources.DType), RecipeSettings(options));
            if (!chainSum && parse.GetValue(limit) is { } n) problems = [.. problems.Take(Math.Max(0, n))];
            var paths = DistillPaths.For(parse.GetRequiredValue(output));
            if (parse.GetValue(overwrite))
                foreach (string file in new[] { paths.Out, paths.Rejected, paths.State }) File.Delete(file);
            if (File.Exists(paths.State)) EvalRunner.CheckRun(paths.State, run); // another run's state is refused before loading
            var backend = from.OpenBackend(options.Sampling, options.Instruction,
                d => chainSum ? ZeroTask.Template : ChatTemplate.ForModel(d, from.ChatTemplate), (argument, _) => argument);
            using var owned = (IDisposable)backend;
            string source = chainSum ? $"{problems.Count} {ChainSumTask.Name} training problems" : $"{problems.Count} problems of {path}";
            Console.Error.WriteLine($"distilling {backend.Name} on {source}, k = {options.Sampling.K} -> {paths.Out}");
            var ids = problems.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            int resumed = DistillRunner.ReadState(paths.State).Select(r => r.Id).Where(ids.Contains).Distinct().Count();
            if (resumed > 0) Console.Error.WriteLine($"resuming: {resumed} of {problems.Count} problems already in {paths.State}");
            int every = Math.Max(1, problems.Count / 50); // about 50 progress lines for big runs, every problem for small ones
            DistillResult result;
            try
            {
                result = await DistillRunner.RunAsync(backend, problems, options, paths, p =>
                {
                    if (p.Done % every == 0 || p.Done == p.Total) Console.Error.WriteLine(Progress(p));
                }, interrupt.Token, run);
            }
            catch (OperationCanceledException) when (interrupt.Requested)
            {
                Console.Error.WriteLine($"interrupted: finished problems are in {paths.State}; run the same command again to continue");
                throw;
            }
            Console.Out.Write(DistillRunner.FormatSummary(result.Summary, $"{source} — teacher {backend.Name}"));
            Console.Out.WriteLine($"wrote {paths.Out} (kept), {paths.Rejected} (the rest), {paths.State} (resume state)");
            return 0;
        });
        return command;
    }

    static string Progress(DistillProgress p)
    {
        int kept = p.Record.Traces.Count(t => t.Kept);
        var reasons = p.Record.Traces.Where(t => t.RejectedBy is not null).GroupBy(t => t.RejectedBy!).Select(g => $"{g.Key} {g.Count()}");
        string rejected = string.Join(", ", reasons);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{p.Done}/{p.Total}] {p.Record.Id}: kept {kept}/{p.Record.Traces.Count}{(rejected.Length > 0 ? "; rejected: " + rejected : "")}");
    }

    /// <summary>The distill settings that change which traces are kept, for the run key: format, traces per problem, filters.</summary>
    static string RecipeSettings(DistillOptions o) => System.Text.Json.JsonSerializer.Serialize(new
    {
        format = o.Format.ToString(), keep_per_problem = o.KeepPerProblem, filters = o.EffectiveFilters,
    }, new System.Text.Json.JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } });
}
