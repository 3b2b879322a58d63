// `r1 recipe r1`: the DeepSeek-R1 pipeline on the bilingual chain-sum task (R1-METHOD.md §4 steps 2–5; issue 15), as
// six resumable stages on the StageRunner: 1 R1-Zero (GRPO, accuracy + format, from the base: the reference point and
// the source of cold-start traces), 2 cold start (rejection-sampled readable single-language traces, SFT of the base),
// 3 reasoning RL (+ language consistency), 4 rejection sampling + SFT of the base with non-reasoning data, 5 the reward
// model (Bradley–Terry on the task's preference pairs), 6 RL for all scenarios. Every stage evaluates its model the
// same way (R1StageEval); OUT/summary.json and OUT/table.md compare them.
using R1Sharp.Data;
using R1Sharp.Recipes.Zero;
using R1Sharp.Tasks;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Recipes.R1;

/// <summary>The recipe's result: every stage's outcome and result, and the comparison table.</summary>
public sealed record R1RecipeResult(IReadOnlyList<(string Name, StageOutcome Outcome, StageResult Result)> Stages, string Table);

/// <summary>Runs the R1 recipe (see file header).</summary>
public static partial class R1Recipe
{
    /// <summary>Stage names (their directories are OUT/01-r1-zero, …).</summary>
    public const string ZeroStage = "r1-zero", ColdStartStage = "cold-start", ReasoningStage = "reasoning-rl",
        RejectionStage = "rejection-sft", RewardModelStage = "reward-model", AllScenarioStage = "all-scenario-rl";

    /// <summary>The stages in order.</summary>
    public static IReadOnlyList<string> StageNames { get; } =
        [ZeroStage, ColdStartStage, ReasoningStage, RejectionStage, RewardModelStage, AllScenarioStage];

    /// <summary>
    /// Runs (or continues) every stage under <see cref="R1RecipeOptions.OutDirectory"/>, then writes summary.json
    /// (StageRunner) and table.md. A finished stage is skipped on a rerun and an interrupted one resumed; cancelling
    /// stops inside the running stage (its trainer checkpoints) and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static R1RecipeResult Run(R1RecipeOptions options, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Validate();
        log ??= _ => { };
        string baseModel = Path.GetFullPath(options.BaseModel ?? ZeroOptions.DefaultBase(null, BilingualChainSum.Name));
        if (!File.Exists(Path.Combine(baseModel, "config.json")))
            throw new R1SharpException(options.BaseModel is null
                ? $"the bilingual base {baseModel} is missing; make one with `r1 pretrain --task {BilingualChainSum.Name} --out DIR` and pass --base DIR"
                : $"--base {options.BaseModel}: no config.json; make a base with `r1 pretrain --task {BilingualChainSum.Name} --out {options.BaseModel}`");
        options = options with { BaseModel = baseModel };
        var stages = new Stage[]
        {
            new(ZeroStage, options.KeyOf(ZeroStage), c => RunZero(c, options, log)),
            new(ColdStartStage, options.KeyOf(ColdStartStage), c => RunColdStart(c, options, log)),
            new(ReasoningStage, options.KeyOf(ReasoningStage), c => RunReasoning(c, options, log)),
            new(RejectionStage, options.KeyOf(RejectionStage), c => RunRejection(c, options, log)),
            new(RewardModelStage, options.KeyOf(RewardModelStage), c => RunRewardModel(c, options, log)),
            new(AllScenarioStage, options.KeyOf(AllScenarioStage), c => RunAllScenarios(c, options, log)),
        };
        var done = StageRunner.Run(options.OutDirectory, stages, log, ct);
        string table = R1RecipeTable.Markdown(done);
        File.WriteAllText(Path.Combine(options.OutDirectory, "table.md"), table);
        R1RecipeTable.RenderCharts(options.OutDirectory);
        return new R1RecipeResult(done, table);
    }

    /// <summary>
    /// <paramref name="count"/> training problems (none held out), posed in <paramref name="language"/> or, when null,
    /// alternating English and Chinese; <paramref name="salt"/> separates the problem sets of different stages.
    /// </summary>
    public static IReadOnlyList<(TaskProblem Problem, TaskLanguage Language)> TrainProblems(int count, int seed, ulong salt, TaskLanguage? language) =>
        [.. ChainSumTask.Problems(count, unchecked((ulong)seed * 0x9E37_79B9UL + salt), ZeroTask.HeldOutQuestions).Select((p, i) =>
        {
            var l = language ?? (i % 2 == 0 ? TaskLanguage.English : TaskLanguage.Chinese);
            return (BilingualChainSum.Pose(p, l), l);
        })];

    /// <summary>The held-out reasoning problems every stage is evaluated on (the first of ZeroTask's held-out set).</summary>
    public static IReadOnlyList<Problem> EvalProblems(R1RecipeOptions options) => BilingualTask.EvalProblems(options.EvalProblems, options.Language);

    /// <summary>Non-reasoning prompts (explain, restate, unsafe) of the given language (null: both), never about a held-out problem.</summary>
    public static IReadOnlyList<TaskPrompt> NonReasoningPrompts(int count, ulong seed, TaskLanguage? language) =>
        [.. ChainSumPrompts.Mix(language is null ? count : 2 * count + 6, seed, ZeroTask.HeldOutQuestions)
            .Where(p => language is null || p.Language == language).Take(count)];

    // Problem sets of the stages: distinct salts, so SFT sampling, RL prompts and the non-reasoning data never coincide.
    internal const ulong ZeroSalt = 1, ColdStartSalt = 2, ReasoningSalt = 3, RejectionSalt = 4, AllScenarioSalt = 5,
        NonReasoningTrainSeed = 0x5F7_0001UL, NonReasoningEvalSeed = 0xE7A1_0002UL, PreferenceSeed = 0x9EF_0003UL;

    /// <summary>The R1-Zero prompt of a question (what every stage trains and samples on).</summary>
    public static string PromptOf(string question) => R1ZeroTemplate.Prompt(question);

    // The model an earlier stage produced; a stage that needs one runs only after it.
    private static string ModelOf(StageContext context, string stage) =>
        context.Earlier.TryGetValue(stage, out var r) && r.Model is { } m ? m
        : throw new R1SharpException($"stage '{stage}' left no model; remove its directory under the run to redo it");
}
