// Options of `r1 recipe distill` (DistillRecipe.Run): the teacher, the student, the distillation data, the SFT, the GRPO
// runs and the held-out evaluation. The defaults are those of tools/distill-demo.sh (R1-METHOD.md §4.6: distillation
// against RL for a small student, the direction of R1 Table 6) on a 2-core CPU, but for the student: tiny and rarely
// thinking (5 % worked solutions, q_proj/k_proj drawn at unit gain) rather than micro and thinking half the time, and SFT
// for 30 epochs at 3e-3 rather than 3 at 1e-3.
using System.Security.Cryptography;
using System.Text;
using R1Sharp.Models;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Recipes.Distillation;

/// <summary>Settings of the distillation-vs-RL recipe; every size is here, so a test can shrink them all.</summary>
public sealed record DistillRecipeOptions
{
    /// <summary>Run directory: OUT/seed-N/NN-stage per seed, then OUT/summary.json and OUT/table.md.</summary>
    public required string OutDirectory { get; init; }
    /// <summary>Seeds; each drives the teacher's GRPO, the student's pretraining, teacher sampling, SFT and both GRPO runs.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1];

    /// <summary>A finished teacher model: stage 1 only evaluates it (no GRPO). Null = train the R1-Zero teacher.</summary>
    public string? Teacher { get; init; }
    /// <summary>The teacher's GRPO starts here (default models/chain-sum-base beside r1).</summary>
    public string? TeacherBase { get; init; }
    /// <summary>GRPO steps of the R1-Zero teacher (stage 1).</summary>
    public int TeacherSteps { get; init; } = 300;

    /// <summary>
    /// Model shape of the student (a <see cref="ModelPresets"/> name). Default tiny, the teacher's shape: the 36k-parameter
    /// micro cannot fit the teacher's traces (its SFT loss stays at 0.59).
    /// </summary>
    public string StudentPreset { get; init; } = "tiny";
    /// <summary>Pretraining steps of the student base (stage 2).</summary>
    public int StudentSteps { get; init; } = 3500;
    /// <summary>
    /// Share of worked (step-by-step) solutions in the student's pretraining corpus: how often it thinks. Default 0.05, a
    /// student that rarely thinks (R1 Table 6's small model, whose own RL does not find the reasoning the teacher has).
    /// </summary>
    public double StudentWorked { get; init; } = 0.05;
    /// <summary>
    /// Overrides of the student's initial weights (`r1 pretrain --init`). Default q_proj and k_proj at 0.125 (unit gain at
    /// hidden 64): with HF's init a student that rarely thinks starts SFT unable to copy a term from the prompt and may
    /// never learn it (seed 3: SFT loss 0.57 after 1,530 steps); with these it learns the copy in the first 200 SFT steps.
    /// </summary>
    public IReadOnlyList<ParameterInit> StudentInit { get; init; } = [new("q_proj", 0.125), new("k_proj", 0.125)];
    /// <summary>Documents in the student's pretraining corpus.</summary>
    public int StudentCorpusSize { get; init; } = 40_000;
    /// <summary>Documents per pretraining step.</summary>
    public int StudentBatchSize { get; init; } = 32;

    /// <summary>Training problems the teacher is sampled on (stage 3).</summary>
    public int Problems { get; init; } = 1000;
    /// <summary>Teacher samples per problem.</summary>
    public int Samples { get; init; } = 4;
    /// <summary>Accepted traces kept per problem at most.</summary>
    public int Keep { get; init; } = 2;

    /// <summary>
    /// SFT epochs over the kept traces (stage 4). Default 30 (~1,500 steps): a student that rarely thinks starts SFT on the
    /// plateau where it cannot yet copy a term from the prompt (loss ≈ 0.59), and leaves it after 300 to 1,000+ steps.
    /// </summary>
    public double SftEpochs { get; init; } = 30;
    /// <summary>SFT peak learning rate. Default 3e-3: on seed 1's student with HF's init, 1e-3 ends at loss 0.11 and pass@1
    /// 24 %, 3e-3 at 0.05 and 40 %; with <see cref="StudentInit"/>'s default, 3e-3 ends at 0.01–0.06 on seeds 1–3.</summary>
    public double SftLearningRate { get; init; } = 3e-3;
    /// <summary>SFT examples per step.</summary>
    public int SftBatchSize { get; init; } = 32;

    /// <summary>GRPO steps timed before the RL-only run (stage 5); the first pays warm-up and is left out of the mean.</summary>
    public int ProbeSteps { get; init; } = 3;
    /// <summary>GRPO steps after distillation (stage 6); null = as many as the RL-only run took, 0 = no stage 6.</summary>
    public int? ThenRlSteps { get; init; }
    /// <summary>GRPO prompts per step (each sampled <see cref="Generations"/> times); r1 zero's default.</summary>
    public int PromptsPerStep { get; init; } = 8;
    /// <summary>GRPO group size G; r1 zero's default.</summary>
    public int Generations { get; init; } = 8;

    /// <summary>Held-out problems every model is evaluated on (as `r1 eval --task chain-sum`).</summary>
    public int EvalProblems { get; init; } = 100;
    /// <summary>Samples per held-out problem (pass@1 over k, cons@k).</summary>
    public int EvalK { get; init; } = 8;

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad option.</summary>
    public DistillRecipeOptions Validate()
    {
        if (Seeds.Count == 0) throw new R1SharpException("--seeds: no seed given; e.g. --seeds 1,2,3");
        if (Seeds.Any(s => s < 0)) throw new R1SharpException($"--seeds: seeds must be non-negative, got {string.Join(',', Seeds)}");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new R1SharpException($"--seeds: a seed is repeated in {string.Join(',', Seeds)}");
        if (Teacher is not null && TeacherBase is not null)
            throw new R1SharpException("--teacher-base: not used with --teacher (a given teacher is not trained); drop one of them");
        (string Name, int Value, int Min)[] counts =
        [
            ("--teacher-steps", TeacherSteps, 1), ("--student-steps", StudentSteps, 1), ("--student-corpus-size", StudentCorpusSize, 1),
            ("--student-batch-size", StudentBatchSize, 1), ("--problems", Problems, 1), ("--samples", Samples, 1), ("--keep", Keep, 1),
            ("--sft-batch-size", SftBatchSize, 1), ("--probe-steps", ProbeSteps, 2), ("--then-rl-steps", ThenRlSteps ?? 0, 0),
            ("--prompts-per-step", PromptsPerStep, 1), ("--generations", Generations, 2), ("--eval-problems", EvalProblems, 1), ("--eval-k", EvalK, 1),
        ];
        foreach (var (name, value, min) in counts)
            if (value < min) throw new R1SharpException($"{name} must be >= {min}, got {value}");
        if (Keep > Samples) throw new R1SharpException($"--keep ({Keep}) must be <= --samples ({Samples}): a problem has only --samples traces");
        if (StudentCorpusSize < StudentBatchSize)
            throw new R1SharpException($"--student-corpus-size ({StudentCorpusSize}) must be >= --student-batch-size ({StudentBatchSize})");
        if (EvalProblems > ZeroTask.HeldOutCount) throw new R1SharpException($"--eval-problems must be <= {ZeroTask.HeldOutCount} (the held-out set), got {EvalProblems}");
        if (StudentWorked is not (>= 0 and <= 1)) throw new R1SharpException($"--student-worked must be in [0, 1], got {StudentWorked}");
        if (!(SftEpochs > 0)) throw new R1SharpException($"--sft-epochs must be > 0, got {SftEpochs}");
        if (!(SftLearningRate > 0)) throw new R1SharpException($"--sft-lr must be > 0, got {SftLearningRate}");
        if (!ModelPresets.All.Any(p => string.Equals(p.Name, StudentPreset, StringComparison.OrdinalIgnoreCase)))
            throw new R1SharpException($"--student-preset: unknown preset '{StudentPreset}'; known presets: {string.Join(", ", ModelPresets.All.Select(p => p.Name))}");
        return this;
    }

    /// <summary>The options with full model paths, each checked to hold a model (a one-line error naming the option otherwise).</summary>
    public DistillRecipeOptions Resolve()
    {
        if (Teacher is { } teacher)
            return this with { Teacher = CheckModel(teacher, "--teacher", $"train one with `r1 zero --out DIR` and pass --teacher DIR/checkpoint-N") };
        string teacherBase = TeacherBase ?? ZeroOptions.DefaultBase(null);
        return this with { TeacherBase = CheckModel(teacherBase, TeacherBase is null ? "the default teacher base" : "--teacher-base", "pass --teacher-base DIR (e.g. models/chain-sum-base)") };
    }

    private static string CheckModel(string dir, string what, string fix)
    {
        string full = Path.GetFullPath(dir);
        if (!File.Exists(Path.Combine(full, "config.json"))) throw new R1SharpException($"{what} {dir}: no config.json (not a model directory); {fix}");
        return full;
    }

    /// <summary>
    /// What a finished stage's settings are compared against on a rerun (StageRunner refuses a changed one): the stage's
    /// own settings (the teacher base by its weights' fingerprint, so the same base found beside another build of r1 is
    /// the same setting; a given --teacher by its path, which the later stages load), then a hash of the keys of the stages it depends on, so redoing an earlier stage with other settings
    /// also refuses the finished stages built on it.
    /// </summary>
    internal string KeyOf(string stage, int seed) => stage switch
    {
        DistillRecipe.TeacherStage => Teacher is { } t ? $"teacher={t}{EvalKey}" : $"base={Evaluation.EvalRunKey.FingerprintModel(TeacherBase!)};steps={TeacherSteps};g={Generations}x{PromptsPerStep};seed={seed}{EvalKey}",
        DistillRecipe.StudentStage => $"preset={StudentPreset};steps={StudentSteps};worked={StudentWorked};corpus={StudentCorpusSize};batch={StudentBatchSize};seed={seed}" +
            (StudentInit.Count > 0 ? $";init={string.Join(',', StudentInit)}" : "") + EvalKey,
        DistillRecipe.DistillStage => $"problems={Problems};samples={Samples};keep={Keep};seed={seed}" + After(KeyOf(DistillRecipe.TeacherStage, seed)),
        DistillRecipe.SftStage => $"epochs={SftEpochs};lr={SftLearningRate};batch={SftBatchSize};seed={seed}{EvalKey}" +
            After(KeyOf(DistillRecipe.StudentStage, seed), KeyOf(DistillRecipe.DistillStage, seed)),
        DistillRecipe.RlOnlyStage => $"probe={ProbeSteps};g={Generations}x{PromptsPerStep};seed={seed}{EvalKey}" + After(KeyOf(DistillRecipe.SftStage, seed)),
        DistillRecipe.DistillRlStage => $"steps={(ThenRlSteps is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "same")};g={Generations}x{PromptsPerStep};seed={seed}{EvalKey}" +
            After(KeyOf(DistillRecipe.RlOnlyStage, seed)),
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown stage"),
    };

    private string EvalKey => $";eval={EvalProblems}x{EvalK}";

    private static string After(params string[] keys) =>
        ";after=" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", keys))))[..12];
}
