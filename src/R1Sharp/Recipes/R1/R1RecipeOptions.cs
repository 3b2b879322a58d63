// Options of `r1 recipe r1` (R1Recipe.Run): the bilingual base, the language of the prompts, and each stage's size.
// The defaults keep the whole recipe near half an hour on a 2-core CPU (R1-METHOD.md §4 steps 2–5 in miniature).
using R1Sharp.Tasks;

namespace R1Sharp.Recipes.R1;

/// <summary>Settings of the R1 recipe; every stage's size is here, so a test can shrink them all.</summary>
public sealed record R1RecipeOptions
{
    /// <summary>Run directory: one folder per stage (01-r1-zero, …), summary.json and table.md.</summary>
    public required string OutDirectory { get; init; }
    /// <summary>Base model (default: the committed bilingual base beside r1, models/chain-sum-bilingual-base).</summary>
    public string? BaseModel { get; init; }
    /// <summary>Language of the prompts: null = both (alternating English and Chinese), en or zh = that language only.</summary>
    public string? Lang { get; init; }
    /// <summary>Seed of problems, rollouts, SFT order and evaluation samples.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>GRPO steps of stage 1 (R1-Zero: accuracy + format rewards from the base).</summary>
    public int ZeroSteps { get; init; } = 200;
    /// <summary>Problems sampled for the cold-start data (k = <see cref="SampleK"/> each).</summary>
    public int ColdStartProblems { get; init; } = 300;
    /// <summary>Cold-start examples wanted; traces written from the task's worked solutions fill any shortfall.</summary>
    public int ColdStartExamples { get; init; } = 300;
    /// <summary>GRPO steps of stage 3 (reasoning RL from the cold-start model, + language consistency).</summary>
    public int ReasoningSteps { get; init; } = 150;
    /// <summary>Problems sampled for the rejection-sampling SFT data (stage 4).</summary>
    public int RejectionProblems { get; init; } = 400;
    /// <summary>Non-reasoning examples (explain, restate, refuse) added to the stage-4 SFT data.</summary>
    public int NonReasoningExamples { get; init; } = 150;
    /// <summary>Preference pairs the reward model trains on (10 % held out for pairwise accuracy).</summary>
    public int PreferencePairs { get; init; } = 300;
    /// <summary>GRPO steps of stage 6 (RL for all scenarios).</summary>
    public int AllScenarioSteps { get; init; } = 100;
    /// <summary>Samples per problem when collecting SFT traces (rejection sampling).</summary>
    public int SampleK { get; init; } = 4;
    /// <summary>SFT epochs of stages 2 and 4 (R1: 2 epochs on the rejection-sampled data).</summary>
    public double SftEpochs { get; init; } = 2;
    /// <summary>SFT learning rate (the base was pretrained at 2e-3).</summary>
    public double SftLearningRate { get; init; } = 3e-4;
    /// <summary>GRPO: prompts per step (each sampled <see cref="Generations"/> times).</summary>
    public int PromptsPerStep { get; init; } = 8;
    /// <summary>GRPO group size G.</summary>
    public int Generations { get; init; } = 8;
    /// <summary>Held-out reasoning problems every stage's model is evaluated on.</summary>
    public int EvalProblems { get; init; } = 100;
    /// <summary>Samples per held-out problem (pass@1 over k, cons@k).</summary>
    public int EvalK { get; init; } = 4;
    /// <summary>Held-out non-reasoning prompts (explain, restate, unsafe) every stage's model answers once.</summary>
    public int EvalNonReasoning { get; init; } = 30;
    /// <summary>Completion budget (tokens) of rollouts, sampling and evaluation.</summary>
    public int MaxCompletionTokens { get; init; } = 128;

    /// <summary>The prompts' language, or null for both.</summary>
    public TaskLanguage? Language => Lang switch
    {
        null => null,
        "en" => TaskLanguage.English,
        "zh" => TaskLanguage.Chinese,
        _ => throw new R1SharpException($"--lang: unknown '{Lang}'; use en or zh (or leave it out for both)"),
    };

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad option.</summary>
    public R1RecipeOptions Validate()
    {
        _ = Language;
        (string Name, int Value, int Min)[] counts =
        [
            ("--zero-steps", ZeroSteps, 1), ("--cold-start-problems", ColdStartProblems, 1), ("--cold-start-examples", ColdStartExamples, 1),
            ("--reasoning-steps", ReasoningSteps, 1), ("--rejection-problems", RejectionProblems, 1), ("--non-reasoning-examples", NonReasoningExamples, 0),
            ("--preference-pairs", PreferencePairs, 10), ("--all-scenario-steps", AllScenarioSteps, 1), ("--sample-k", SampleK, 1),
            ("--prompts-per-step", PromptsPerStep, 1), ("--generations", Generations, 2), ("--eval-problems", EvalProblems, 1),
            ("--eval-k", EvalK, 1), ("--eval-non-reasoning", EvalNonReasoning, 3), ("--max-tokens", MaxCompletionTokens, 8),
        ];
        foreach (var (name, value, min) in counts)
            if (value < min) throw new R1SharpException($"{name} must be >= {min}, got {value}");
        if (!(SftEpochs > 0)) throw new R1SharpException($"--sft-epochs must be > 0, got {SftEpochs}");
        if (!(SftLearningRate > 0)) throw new R1SharpException($"--sft-lr must be > 0, got {SftLearningRate}");
        return this;
    }

    /// <summary>What a finished stage's settings are compared against on a rerun (StageRunner refuses a changed one).</summary>
    internal string KeyOf(string stage) => stage switch
    {
        R1Recipe.ZeroStage => $"base={BaseModel};lang={Lang};seed={Seed};steps={ZeroSteps};g={Generations}x{PromptsPerStep};eval={EvalProblems}x{EvalK};tokens={MaxCompletionTokens}",
        R1Recipe.ColdStartStage => $"problems={ColdStartProblems};examples={ColdStartExamples};k={SampleK};epochs={SftEpochs};lr={SftLearningRate}",
        R1Recipe.ReasoningStage => $"steps={ReasoningSteps};g={Generations}x{PromptsPerStep}",
        R1Recipe.RejectionStage => $"problems={RejectionProblems};nonreasoning={NonReasoningExamples};k={SampleK};epochs={SftEpochs};lr={SftLearningRate}",
        R1Recipe.RewardModelStage => $"pairs={PreferencePairs};eval={EvalNonReasoning}",
        R1Recipe.AllScenarioStage => $"steps={AllScenarioSteps};g={Generations}x{PromptsPerStep}",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown stage"),
    };
}
