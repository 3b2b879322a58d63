// `r1 pretrain`: makes the tiny base model of the R1-Zero demo from scratch — a byte-level BPE tokenizer (Qwen2
// pre-tokenizer: digits are single tokens) and a decoder trained on R1-Zero prompts + chain-sum completions.
using System.Diagnostics;
using System.Text.Json.Serialization;
using R1Sharp.Evaluation;
using R1Sharp.Formats.Config;
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Text.Training;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Recipes.Zero;

/// <summary>Options of <see cref="ZeroPretrainer.Run"/>; the defaults made models/chain-sum-base.</summary>
public sealed record PretrainOptions
{
    /// <summary>The built-in task: chain-sum (default) or chain-sum-bilingual (<see cref="BilingualChainSum"/>).</summary>
    public string Task { get; init; } = ChainSumTask.Name;
    /// <summary>The bilingual corpus mix (chain-sum-bilingual only; its worked fraction and mistake rate come from <see cref="Corpus"/>).</summary>
    public BilingualCorpusOptions Bilingual { get; init; } = new();
    /// <summary>qwen2, llama or deepseek_v3 (<see cref="ModelPresets.ToConfig"/>).</summary>
    public string Arch { get; init; } = "qwen2";
    /// <summary>A <see cref="ModelPresets"/> name.</summary>
    public string Preset { get; init; } = "tiny";
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 3500;
    /// <summary>Bias update speed γ of DeepSeekMoE load balancing (deepseek_v3 only; as GRPO/SFT moe_bias_update_speed).</summary>
    public double MoeBiasUpdateSpeed { get; init; } = 0.001;
    /// <summary>Documents per step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Peak AdamW learning rate (<see cref="LrSchedule"/>: linear warmup, cosine decay to 10%).</summary>
    public double LearningRate { get; init; } = 2e-3;
    /// <summary>Warmup steps.</summary>
    public int WarmupSteps { get; init; } = 50;
    /// <summary>AdamW weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Seed of the corpus, the initial weights and the batch order.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Overrides of the initial weights (`--init NAME=STD`), applied in order after the usual initialisation.</summary>
    public IReadOnlyList<ParameterInit> Init { get; init; } = [];
    /// <summary>Documents in the corpus.</summary>
    public int CorpusSize { get; init; } = 40_000;
    /// <summary>Tokenizer vocabulary size (the trainer may stop earlier).</summary>
    public int VocabSize { get; init; } = 512;
    /// <summary>The corpus mix: how often solutions are worked step by step and how often a step is wrong.</summary>
    public ChainSumCorpusOptions Corpus { get; init; } = new() { WorkedFraction = 0.5, MistakeRate = 0.05 };

    /// <summary>Steps between checkpoints in OUT.partial (each replaces the last; 0: only on a stop). Not a setting of the
    /// result, so a resumed run may change it.</summary>
    [JsonIgnore] public int SaveSteps { get; init; } = 500;

    /// <summary>Held-out problems the finished model is evaluated on (k = 8, temperature 0.6); 0 skips.</summary>
    public int EvalProblems { get; init; } = 100;

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad option.</summary>
    public PretrainOptions Validate()
    {
        if (Steps < 1) throw new R1SharpException($"--steps must be >= 1, got {Steps}");
        if (BatchSize < 1) throw new R1SharpException($"batch size must be >= 1, got {BatchSize}");
        if (SaveSteps < 0) throw new R1SharpException($"--save-steps must be >= 0, got {SaveSteps}");
        if (CorpusSize < BatchSize) throw new R1SharpException($"corpus size ({CorpusSize}) must be at least the batch size ({BatchSize})");
        if (LearningRate <= 0) throw new R1SharpException($"learning rate must be > 0, got {LearningRate}");
        if (Corpus.WorkedFraction is < 0 or > 1 || Corpus.MistakeRate is < 0 or > 1)
            throw new R1SharpException("corpus worked fraction and mistake rate must be in [0, 1]");
        if (Task != ChainSumTask.Name && Task != BilingualChainSum.Name)
            throw new R1SharpException($"--task: unknown task '{Task}'; use {ChainSumTask.Name} or {BilingualChainSum.Name}");
        Bilingual.Validate();
        ModelPresets.Get(Preset);
        if (!ModelPresets.Architectures.Contains(Arch)) throw new R1SharpException($"--arch: unknown '{Arch}'; use one of {string.Join(", ", ModelPresets.Architectures)}");
        return this;
    }
}

/// <summary>What a pretraining run did.</summary>
public sealed record PretrainReport(int Steps, double FinalLoss, long Parameters, int VocabSize, double Seconds, EvalSummary Eval, ModeAccuracy Modes);

/// <summary>Builds the base model directory (see file header).</summary>
public static partial class ZeroPretrainer
{
    /// <summary>
    /// Trains tokenizer and model and writes an HF model directory into <paramref name="outDirectory"/> (must not
    /// exist or be empty, unless <paramref name="start"/> is <see cref="RunStart.Overwrite"/>): config.json,
    /// model.safetensors, tokenizer files, generation_config.json and a README.md quoting <paramref name="command"/>.
    /// Held-out problems (<see cref="ZeroTask.HeldOut"/>) never enter the corpus. The work happens in OUT.partial
    /// (<see cref="WorkDirectory"/>), renamed into place at the end. Every <see cref="PretrainOptions.SaveSteps"/> steps,
    /// and when <paramref name="ct"/> is cancelled (then throwing <see cref="OperationCanceledException"/>), it writes
    /// OUT.partial/checkpoint-N (weights, AdamW state, step); <see cref="RunStart.Resume"/> with the same options continues
    /// from the latest, so a killed or crashed run loses at most SaveSteps steps.
    /// </summary>
    public static PretrainReport Run(PretrainOptions options, string outDirectory, string command,
        Action<string>? log = null, CancellationToken ct = default, RunStart start = RunStart.Fresh)
    {
        // 1. Config: validated once; the work directory says whether this run resumes.
        options.Validate();
        log ??= _ => { };
        string temp = WorkDirectory(outDirectory);
        string? resumeFrom = PrepareWork(options, outDirectory, temp, start);
        var clock = Stopwatch.StartNew();
        var corpus = BilingualTask.PretrainDocuments(options);

        Directory.CreateDirectory(temp);
        try
        {
            // 2. Setup: tokenizer (a resumed run reuses the one it trained), model, optimizer, checkpoint to resume.
            if (resumeFrom is null) TrainTokenizer(corpus.Select(d => d.Prompt + d.Completion), options, temp);
            var tokenizer = HfTokenizer.Load(temp);
            int eos = tokenizer.EosId!.Value;
            log($"tokenizer: {tokenizer.VocabSize} tokens ({clock.Elapsed.TotalSeconds:0.0} s)");
            var config = ModelPresets.ToConfig(ModelPresets.Get(options.Preset), options.Arch, tokenizer.VocabSize, null, eos);
            using var model = new DecoderModel(config);
            if (resumeFrom is null)
            {
                model.InitializeWeights((long)options.Seed);
                ParameterInit.Apply(model, options.Init, (long)options.Seed);
            }
            using var optimizer = TrainingOptimizer.Create(model.CheckpointParameters(),
                new AdamWOptions(options.LearningRate, 0.9, 0.95, 1e-8, options.WeightDecay), decays: _ => true);
            var checkpoints = new PretrainCheckpoints(temp, model, optimizer, options, log);
            var (startStep, startLoss) = checkpoints.Restore(resumeFrom);
            long parameters = model.parameters().Sum(p => p.numel());
            log($"model: {options.Arch} {options.Preset}, {parameters:N0} parameters");

            // 3. The loop (checkpoint and throw on cancellation).
            double loss = Train(model, optimizer, Tokenize(corpus, tokenizer, eos), options, log, ct, startStep, startLoss, checkpoints.Save);

            // 4. The model directory, then the held-out evaluation (a cancelled one checkpoints the trained model).
            var generation = SaveModel(model, eos, temp);
            EvalResult result;
            try
            {
                using (var generator = new R1Sharp.Generation.TextGenerator(model, tokenizer, generation))
                    result = Evaluator.Run(generator, BilingualTask.PretrainEvalProblems(options), ZeroTask.Template,
                        new EvalOptions { MaxNewTokens = ZeroTask.MaxCompletionTokens }, ct);
                ct.ThrowIfCancellationRequested(); // a cut-short evaluation is not a result
            }
            catch (OperationCanceledException)
            {
                checkpoints.Save(options.Steps, loss); // trained: --resume only evaluates
                throw;
            }
            var eval = result.Summary;
            var modes = ZeroText.ByMode(result);
            if (eval.Problems > 0) // EvalProblems 0 (a caller that evaluates the model itself): nothing to report
            {
                log($"held-out ({eval.Problems} problems, k = {eval.K}): pass@1 {eval.PassAt1:P1}, cons@{eval.K} {eval.ConsAtK:P1}, " +
                    $"mean length {eval.MeanLength:0.0} tokens, format {eval.FormatRate:P0}, language consistency {eval.LanguageConsistency:P1}");
                log($"thinks {modes.ThinkingShare:P1}: accuracy thinking {modes.ThinkingAccuracy:P1}, direct {modes.DirectAccuracy:P1}");
            }
            // 5. README, then OUT.partial becomes OUT.
            var report = new PretrainReport(options.Steps, loss, parameters, tokenizer.VocabSize, clock.Elapsed.TotalSeconds, eval, modes);
            File.WriteAllText(Path.Combine(temp, "README.md"), Readme(options, report, command));
            checkpoints.RemoveAll();
            if (Directory.Exists(outDirectory)) Directory.Delete(outDirectory, recursive: true); // empty, or replaced (--overwrite)
            Directory.Move(temp, outDirectory);
            return report;
        }
        catch (OperationCanceledException) { throw; } // OUT.partial keeps the checkpoint for --resume
        catch
        {
            if (Directory.Exists(temp) && Checkpointer.Latest(temp) is null) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    // Completion-only next-token loss: the R1-Zero preamble is the same in every document and teaches nothing.
    // Runs 0-based steps `start`..Steps-1 (a resumed run starts at its checkpoint's step); saves every SaveSteps steps, and
    // on cancellation saves and throws.
    // The skeleton of every trainer: LrSchedule (linear warm-up, cosine to 10 % of the peak), TrainingOptimizer (AdamW,
    // global-norm clipping at 1; TorchSharp's AdamW.step passes temporary Scalars to native calls, see Tensors/Scalars.cs),
    // and a batch order that is a pure function of seed and step (EpochRows), so a resume needs no replay.
    private static double Train(DecoderModel model, TrainingOptimizer optimizer, List<(IReadOnlyList<int> Prompt, IReadOnlyList<int> Completion)> docs,
        PretrainOptions o, Action<string> log, CancellationToken ct, int start, double emaLoss, Action<int, double, bool> save)
    {
        model.train();
        // DeepSeekMoE models: auxiliary-loss-free balancing (DeepSeek-V3 §2.1.2), a bias step after every AdamW step.
        var balancer = MoeBalancer.For(model, o.MoeBiasUpdateSpeed);
        MoeLoadStats? load = null;
        var batches = new EpochRows(docs.Count, o.BatchSize, o.Seed);
        var clock = Stopwatch.StartNew();
        for (int step = start; step < o.Steps; step++)
        {
            if (ct.IsCancellationRequested)
            {
                save(step, emaLoss, true);
                ct.ThrowIfCancellationRequested();
            }
            using var scope = NewDisposeScope();
            var rows = batches.Of(step);
            using var batch = CompletionBatch.Create([.. rows.Select(i => docs[i].Prompt)], [.. rows.Select(i => docs[i].Completion)]);
            double lr = LrSchedule.At(step, o.LearningRate, o.WarmupSteps, o.Steps, LrSchedulerType.Cosine, minLrRate: MinLrRate);
            optimizer.SetLearningRate(lr);
            optimizer.ZeroGrad();
            balancer?.BeginStep();
            var loss = batch.CrossEntropy(model);
            loss.backward();
            optimizer.ClipGradNorm(1.0);
            optimizer.Step();
            load = balancer?.AfterOptimizerStep() ?? load;
            double value = loss.item<float>();
            emaLoss = double.IsNaN(emaLoss) ? value : 0.95 * emaLoss + 0.05 * value;
            int done = step + 1;
            if (done % 50 == 0 || done == o.Steps)
                log($"step {done}/{o.Steps} loss {emaLoss:0.0000} lr {lr:0.0e0}{MoeNote(load)} ({clock.Elapsed.TotalSeconds:0} s)");
            if (o.SaveSteps > 0 && done % o.SaveSteps == 0 && done < o.Steps) save(done, emaLoss, false);
        }
        model.eval();
        return emaLoss;
    }

    // A byte-level BPE over the corpus with the Qwen2 pre-tokenizer (digits are single tokens) and the task's EOS.
    internal static void TrainTokenizer(IEnumerable<string> texts, PretrainOptions options, string directory)
    {
        var bpe = BpeTrainer.Train(texts, new BpeTrainerOptions
        {
            VocabSize = options.VocabSize, SpecialTokens = [ZeroTask.Eos], PreTokenizerPatterns = [SplitPreTokenizer.Qwen2Pattern],
        });
        TrainedTokenizerWriter.Save(bpe, directory, new TokenizerFileOptions { EosToken = ZeroTask.Eos, PadToken = ZeroTask.Eos, ModelMaxLength = 2048 });
    }

    // Prompt ids (each distinct prompt encoded once) and completion ids + EOS of every document.
    private static List<(IReadOnlyList<int> Prompt, IReadOnlyList<int> Completion)> Tokenize(
        List<(string Prompt, string Completion)> corpus, HfTokenizer tokenizer, int eos)
    {
        var prompts = new Dictionary<string, int[]>(StringComparer.Ordinal);
        return corpus.Select(d => (
            Prompt: (IReadOnlyList<int>)(prompts.TryGetValue(d.Prompt, out var ids) ? ids : prompts[d.Prompt] = tokenizer.Encode(d.Prompt)),
            Completion: (IReadOnlyList<int>)[.. tokenizer.Encode(d.Completion, addSpecialTokens: false), eos])).ToList();
    }

    // Weights, config.json and generation_config.json (EOS = pad = the task's EOS) into the work directory.
    private static GenerationConfig SaveModel(DecoderModel model, int eos, string directory)
    {
        model.Save(directory);
        var generation = GenerationConfig.Default with { EosTokenIds = new ValueList<int>([eos]), PadTokenId = eos, MaxNewTokens = 128 };
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), generation.ToJson());
        return generation;
    }

    /// <summary>Floor of the cosine decay as a share of the peak learning rate.</summary>
    private const double MinLrRate = 0.1;

    private static string MoeNote(MoeLoadStats? load) => load is null ? "" :
        FormattableString.Invariant($" moe max-vio {load.MaxViolation:0.00} load {load.MinFraction:0.000}-{load.MaxFraction:0.000}");
}
