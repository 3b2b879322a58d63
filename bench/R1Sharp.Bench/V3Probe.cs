// Why does the tiny deepseek_v3 chain-sum base not learn the copy step? (issue 17.) A short pretraining run of
// `r1 pretrain`'s loop on the chain-sum corpus with config.json keys and init scales overridden, logging the training
// loss and, on held-out worked documents, the loss per kind of completion token (copy = the digit after a term's label,
// sum = the digit after "=", answer, other); then an attention probe (V3Probe.Attention.cs).
//   dotnet run -c Release --project bench/R1Sharp.Bench -- v3-probe [--arch deepseek_v3] [--preset tiny] [--steps 600] [--task chain-sum-bilingual]
//     [--set kv_lora_rank=16]... [--init kv_a_proj=0.1]... [--gamma 0.001] [--lr 2e-3] [--seed 1] [--eval-every 100]
//     [--model DIR (probe a trained model, no training)] [--save DIR]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Recipes.Zero;
using R1Sharp.Tasks;
using R1Sharp.Tensors;
using R1Sharp.Text;
using R1Sharp.Training.Infrastructure;
using static TorchSharp.torch;

namespace R1Sharp.Bench;

public static partial class V3Probe
{
    public static int Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        string arch = Opt(args, "--arch") ?? "deepseek_v3", preset = Opt(args, "--preset") ?? "tiny";
        int steps = int.Parse(Opt(args, "--steps") ?? "600", inv), evalEvery = int.Parse(Opt(args, "--eval-every") ?? "100", inv);
        double lr = double.Parse(Opt(args, "--lr") ?? "2e-3", inv), gamma = double.Parse(Opt(args, "--gamma") ?? "0.001", inv);
        long seed = long.Parse(Opt(args, "--seed") ?? "1", inv);
        int total = int.Parse(Opt(args, "--total") ?? "3500", inv);     // the lr schedule's length (a prefix of r1 pretrain's run)
        var task = new PretrainOptions { Task = Opt(args, "--task") ?? ChainSumTask.Name }.Validate();
        string tokenizerDir = Opt(args, "--tokenizer") ?? (task.Task == ChainSumTask.Name ? "models/chain-sum-base" : "models/chain-sum-bilingual-base");
        var tokenizer = HfTokenizer.Load(Opt(args, "--model") ?? tokenizerDir);
        int eos = tokenizer.EosId!.Value;

        var corpus = BilingualTask.PretrainDocuments(task);
        var docs = corpus.Select(d => (Prompt: tokenizer.Encode(d.Prompt), Completion: (int[])[.. tokenizer.Encode(d.Completion, addSpecialTokens: false), eos])).ToList();
        int held = 256, trainRows = docs.Count - held;
        var eval = docs.Skip(trainRows).Where(d => tokenizer.Decode(d.Completion) is var text && (text.Contains('=', StringComparison.Ordinal) || text.Contains('得', StringComparison.Ordinal))).Take(64).ToList();   // worked solutions are long
        var kinds = new TokenKinds(tokenizer);

        DecoderModel model;
        if (Opt(args, "--model") is { } dir) { model = DecoderModel.Load(dir); steps = 0; }
        else
        {
            var config = Configure(arch, preset, tokenizer.VocabSize, eos, All(args, "--set"));
            bool plain = Opt(args, "--path") == "plain";
            model = config is DeepSeekV3Config v3 ? new DecoderModel(new DeepSeekV3Architecture(v3, plain ? MlaPath.Plain : MlaPath.Absorbed)) : new DecoderModel(config);
            model.InitializeWeights(seed);
            ParameterInit.Apply(model, [.. All(args, "--init").Select(t => ParameterInit.Parse(t))], seed);
            if (Opt(args, "--embed-mean") is { } mean) AddSharedDirection(model, double.Parse(mean, inv), seed);
        }
        using var _ = model;
        Console.WriteLine($"{model.Config.ModelType} {preset}: {model.parameters().Sum(p => p.numel()):N0} parameters; {Describe(model.Config)}");
        Console.WriteLine($"sample: {string.Join('|', eval.MaxBy(d => d.Completion.Length).Completion.Take(30).Select(t => tokenizer.Decode([t])))}");
        Train(model, docs, trainRows, eval, kinds, steps, Math.Max(total, steps), lr, gamma, (ulong)seed, evalEvery);
        if (steps == 0) Console.WriteLine($"held-out loss by token kind: {EvalKinds(model, eval, kinds)}");
        if (Opt(args, "--save") is { } save) model.Save(save);
        model.eval();
        Probe(model, eval.Take(16).ToList(), kinds, tokenizer);
        return 0;
    }

    private static void Train(DecoderModel model, List<(int[] Prompt, int[] Completion)> docs, int trainRows,
        List<(int[] Prompt, int[] Completion)> eval, TokenKinds kinds, int steps, int total, double peak, double gamma, ulong seed, int evalEvery)
    {
        model.train();
        using var optimizer = TrainingOptimizer.Create(model.CheckpointParameters(), new AdamWOptions(peak, 0.9, 0.95, 1e-8, 0.01), decays: _ => true);
        var balancer = MoeBalancer.For(model, gamma);
        var batches = new EpochRows(trainRows, 32, seed);
        double ema = double.NaN;
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            using (var scope = NewDisposeScope())
            {
                var rows = batches.Of(step);
                using var batch = CompletionBatch.Create([.. rows.Select(i => (IReadOnlyList<int>)docs[i].Prompt)], [.. rows.Select(i => (IReadOnlyList<int>)docs[i].Completion)]);
                optimizer.SetLearningRate(LrSchedule.At(step, peak, 50, total, LrSchedulerType.Cosine, minLrRate: 0.1));
                optimizer.ZeroGrad();
                balancer?.BeginStep();
                var loss = batch.CrossEntropy(model);
                loss.backward();
                double gradNorm = optimizer.ClipGradNorm(1.0);
                optimizer.Step();
                var load = balancer?.AfterOptimizerStep();
                double value = loss.item<float>();
                ema = double.IsNaN(ema) ? value : 0.95 * ema + 0.05 * value;
                int done = step + 1;
                if (done % evalEvery == 0 || done == steps)
                {
                    string moe = load is null ? "" : FormattableString.Invariant($"  moe max-vio {load.MaxViolation:0.00}");
                    Console.WriteLine(FormattableString.Invariant($"step {done,5} loss {ema:0.0000}  held-out {EvalKinds(model, eval, kinds)}{moe}  grad norm {gradNorm:0.00}  {Norms(model)}  ({clock.Elapsed.TotalSeconds:0} s)"));
                    model.train();
                }
            }
        }
    }

    // Mean cross-entropy per token kind on the held-out documents.
    private static string EvalKinds(DecoderModel model, List<(int[] Prompt, int[] Completion)> eval, TokenKinds kinds)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sum = new double[TokenKinds.Names.Length];
        var count = new int[TokenKinds.Names.Length];
        using var batch = CompletionBatch.Create([.. eval.Select(d => (IReadOnlyList<int>)d.Prompt)], [.. eval.Select(d => (IReadOnlyList<int>)d.Completion)]);
        var logits = model.Forward(batch.Inputs);
        var logp = Training.Grpo.GrpoLoss.SelectiveLogSoftmax(logits, batch.Targets);
        float[] lp = logp.data<float>().ToArray();
        long width = batch.Inputs.shape[1];
        for (int r = 0; r < eval.Count; r++)
        {
            var (p, c) = eval[r];
            var kind = kinds.Classify(p[^1], c);
            for (int j = 0; j < c.Length; j++)
            {
                int k = kind[j];
                sum[k] -= lp[r * width + p.Length - 1 + j];
                count[k]++;
            }
        }
        return string.Join("  ", TokenKinds.Names.Select((n, i) => FormattableString.Invariant($"{n} {sum[i] / Math.Max(1, count[i]):0.000}")));
    }

    // The preset's config with config.json keys replaced (values parsed as JSON, else taken as strings).
    internal static ModelConfig Configure(string arch, string preset, int vocab, int eos, IEnumerable<string> sets)
    {
        var config = ModelPresets.ToConfig(ModelPresets.Get(preset), arch, vocab, null, eos);
        var json = JsonNode.Parse(config.ToJson())!.AsObject();
        foreach (var set in sets)
        {
            int eq = set.IndexOf('=');
            string key = set[..eq], value = set[(eq + 1)..];
            JsonNode? node;
            try { node = JsonNode.Parse(value); } catch (System.Text.Json.JsonException) { node = JsonValue.Create(value); }
            json[key] = node;
        }
        return ModelConfig.Parse(json.ToJsonString(), "--set");
    }

    // --embed-mean F: every token embedding gets the same random vector of F × the rows' expected norm (σ√hidden):
    // a token-independent part that the attention projections can turn into constant (bias-like) queries and keys.
    private static void AddSharedDirection(DecoderModel model, double factor, long seed)
    {
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed + 7);
        var weight = model.model.embed_tokens.weight;
        long hidden = weight.shape[1];
        using var direction = randn([hidden], generator: generator);
        using var norm = direction.norm();
        using var unit = direction.div(norm);
        using var shift = unit.Times(factor * model.Config.InitializerRange * Math.Sqrt(hidden));
        weight.PlusInPlace(shift.unsqueeze(0));
    }

    private static string Describe(ModelConfig c) => c is DeepSeekV3Config v
        ? $"hidden {v.HiddenSize}, heads {v.NumAttentionHeads}, qk {v.QkNopeHeadDim}+{v.QkRopeHeadDim}, v {v.VHeadDim}, kv_lora_rank {v.KvLoraRank}, q_lora_rank {v.QLoraRank?.ToString(CultureInfo.InvariantCulture) ?? "none"}, moe layers from {v.FirstKDenseReplace}, experts {v.NRoutedExperts}x{v.MoeIntermediateSize}"
        : $"hidden {c.HiddenSize}, heads {c.NumAttentionHeads}/{c.NumKeyValueHeads}, head_dim {c.HeadDim}";

    // RMS of layer 0's attention weights (and, after "/", of their last clipped gradient): the scale the norms after q_a and
    // kv_a hide, and of the projections they feed.
    private static string Norms(DecoderModel model)
    {
        var parts = new List<string>();
        foreach (var (name, p) in model.CheckpointParameters())
            if (name.StartsWith("model.layers.0.self_attn", StringComparison.Ordinal) && name.EndsWith("weight", StringComparison.Ordinal))
            {
                using var sq = p.detach().square();
                using var mean = sq.mean();
                using var grad = p.grad;
                string g = "";
                if (grad is not null)
                {
                    using var gsq = grad.square();
                    using var gmean = gsq.mean();
                    g = FormattableString.Invariant($"/{Math.Sqrt(gmean.item<float>()):0.0e0}");
                }
                parts.Add(FormattableString.Invariant($"{name["model.layers.0.self_attn.".Length..^".weight".Length]} {Math.Sqrt(mean.item<float>()):0.000}{g}"));
            }
        return "rms0[" + string.Join(" ", parts) + "]";
    }

    private static string? Opt(string[] args, string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    private static IEnumerable<string> All(string[] args, string name)
    {
        for (int i = 0; i + 1 < args.Length; i++) if (args[i] == name) yield return args[i + 1];
    }
}
