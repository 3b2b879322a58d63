// GRPO with rollout.endpoints against two real `r1 serve` processes over models/tiny-qwen2 on loopback ports (started as
// the server tests start theirs, ServeProcess): the run trains, the workers follow the trainer's weights (a
// synced worker's log-probs equal the trainer's within 1e-5), stale rollouts (sync_steps 2) are reweighted, a worker
// killed mid-run does not stop training, and all workers down is a clear error.
using System.Text;
using System.Text.Json;
using R1Sharp.Models;
using R1Sharp.Tests.Server;
using R1Sharp.Training.Grpo;
using static TorchSharp.torch;
using Kit = R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Training.Grpo;

public class RemoteRolloutTests
{
    static ServeProcess Worker() => new(null, apiKey: false);

    static string Endpoints(params ServeProcess[] workers) => "--rollout.endpoints=" + string.Join(",", workers.Select(w => w.Address.ToString()));

    sealed class OnStep(Action<GrpoStepMetrics> action) : IProgress<GrpoStepMetrics>
    {
        public void Report(GrpoStepMetrics value) => action(value);
    }

    static async Task<string> WeightVersion(ServeProcess worker)
    {
        using var http = new HttpClient { BaseAddress = worker.Address };
        using var info = JsonDocument.Parse(await http.GetStringAsync("get_model_info"));
        return info.RootElement.GetProperty("weight_version").GetString()!;
    }

    [Fact]
    public async Task A_run_on_two_workers_trains_and_a_synced_worker_matches_the_trainer()
    {
        string dir = Kit.TempDir();
        using var a = Worker();
        using var b = Worker();
        using var policy = Kit.Policy();
        var log = new List<string>();
        var config = Kit.Config(dir, "--max_steps=3", Endpoints(a, b));
        using (var trainer = new GrpoTrainer(config, policy, Kit.Tokenizer, Kit.Prompts(8), Kit.LengthRewards(), new GrpoRunOptions { Log = log.Add }))
        {
            var result = trainer.Train();
            Assert.Equal(3, result.Steps);
            Assert.All(result.History, m => Assert.True(m.WeightSyncSeconds > 0, "every step syncs with sync_steps 1"));
            Assert.All(result.History, m => Assert.InRange(m.ToRow()["time/rollout_share"] + m.ToRow()["time/weight_sync_share"] + m.ToRow()["time/update_share"], 0.999, 1.001));
            Assert.True(File.Exists(Path.Combine(dir, "rollout-weights", "model.safetensors")));
        }
        // Both workers took the weights of the last rollout (before step 3, i.e. after step 2).
        Assert.Equal("step-2", await WeightVersion(a));
        Assert.Equal("step-2", await WeightVersion(b));

        // Push the trained weights, sample on worker b, and score its tokens with the trainer's policy.
        string synced = Path.Combine(dir, "synced");
        policy.Save(synced);
        using (var pool = new RolloutPool([a.Address.ToString(), b.Address.ToString()], TimeSpan.FromMinutes(2)))
            await pool.SyncAsync(synced, "final", CancellationToken.None);
        var prompt = Kit.Prompts(1)[0];
        using var http = new HttpClient { BaseAddress = b.Address };
        var body = Encoding.UTF8.GetString(RolloutPool.Body(new RolloutSampling("tiny-qwen2", 1, 8, 1.0, 1.0, 0), prompt.Text, 11));
        using var reply = await http.PostAsync("v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.IsSuccessStatusCode, text);
        var choice = Assert.Single(RemoteCompletion.Parse(text, 1)!);
        Assert.NotNull(choice.TokenIds);
        Assert.Equal(choice.TokenIds!.Length, choice.LogProbs!.Length);
        using var mb = GrpoBatch.Build([new GrpoSample(prompt.Ids, choice.TokenIds, new bool[choice.TokenIds.Length], 0)]);
        using (no_grad())
        {
            policy.eval();
            using var logits = policy.Forward(mb.InputIds, mb.Positions, mb.AttentionMask);
            using var completion = logits.narrow(1, mb.PromptLength - 1, mb.CompletionLength);
            using var logp = GrpoLoss.SelectiveLogSoftmax(completion, mb.CompletionIds);
            var trainer = logp.data<float>().ToArray();
            for (int i = 0; i < trainer.Length; i++)
                Assert.True(Math.Abs(trainer[i] - choice.LogProbs[i]) < 1e-5, $"token {i}: trainer {trainer[i]}, worker {choice.LogProbs[i]}");
        }
    }

    [Fact]
    public void Rollouts_on_r1_serve_workers_train_the_weights_of_in_process_rollouts()
    {
        // r1 serve samples prompt p's sample k with seed + k, as the trainer's own generator does: same completions,
        // same updates (SGLang or vLLM would sample differently; the comparison only holds for r1 serve workers).
        using var a = Worker();
        using var b = Worker();
        using var local = Kit.Policy();
        using var remote = Kit.Policy();
        using (var trainer = new GrpoTrainer(Kit.Config(Kit.TempDir()), local, Kit.Tokenizer, Kit.Prompts(8), Kit.LengthRewards()))
            trainer.Train();
        using (var trainer = new GrpoTrainer(Kit.Config(Kit.TempDir(), Endpoints(a, b)), remote, Kit.Tokenizer, Kit.Prompts(8), Kit.LengthRewards()))
            trainer.Train();
        var expected = local.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
            foreach (var (name, p) in remote.named_parameters())
            {
                using var diff = (p - expected[name]).abs().max();
                Assert.True(diff.item<float>() < 1e-5, $"{name}: max |remote − local| = {diff.item<float>()}");
            }
    }

    [Fact]
    public async Task Stale_rollouts_sync_every_k_steps_and_are_reweighted()
    {
        string dir = Kit.TempDir();
        using var a = Worker();
        using var b = Worker();
        using var policy = Kit.Policy();
        var config = Kit.Config(dir, "--max_steps=3", "--rollout.sync_steps=2", "--importance_sampling_correction=token_truncate", Endpoints(a, b));
        using var trainer = new GrpoTrainer(config, policy, Kit.Tokenizer, Kit.Prompts(8), Kit.LengthRewards());
        var result = trainer.Train();
        Assert.Equal([true, false, true], result.History.Select(m => m.WeightSyncSeconds > 0).ToArray());
        Assert.Equal("step-2", await WeightVersion(a));
        // Step 1 samples with the trainer's own weights: IS weights 1. Step 2 samples with step 0's weights while the
        // policy is step 1's: the weights move away from 1.
        Assert.InRange(result.History[0].ToRow()["is/mean"], 1 - 1e-4, 1 + 1e-4);
        Assert.True(Math.Abs(result.History[1].ToRow()["is/mean"] - 1) > 1e-4, $"is/mean {result.History[1].ToRow()["is/mean"]}");
    }

    [Fact]
    public async Task Killing_one_worker_mid_run_does_not_stop_training()
    {
        string dir = Kit.TempDir();
        using var a = Worker();
        var b = Worker();
        bool killed = false;
        using var policy = Kit.Policy();
        var log = new List<string>();
        var config = Kit.Config(dir, "--max_steps=3", Endpoints(a, b));
        var options = new GrpoRunOptions
        {
            Log = log.Add,
            Progress = new OnStep(m => { if (m.Step == 1 && !killed) { killed = true; b.Dispose(); } }),   // Process.Kill: SIGKILL
        };
        using var trainer = new GrpoTrainer(config, policy, Kit.Tokenizer, Kit.Prompts(8), Kit.LengthRewards(), options);
        GrpoRunResult result;
        try { result = trainer.Train(); }
        finally { if (!killed) b.Dispose(); }
        Assert.True(killed);
        Assert.Equal(3, result.Steps);
        Assert.Contains(log, l => l.Contains($"rollout worker {b.Address}") && l.Contains("failed"));
        Assert.Equal("step-2", await WeightVersion(a));
    }

    [Fact]
    public void All_workers_down_is_a_clear_error()
    {
        string dir = Kit.TempDir();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();   // a port nobody listens on
        using var policy = Kit.Policy();
        var config = Kit.Config(dir, "--max_steps=1", $"--rollout.endpoints=http://127.0.0.1:{port}");
        using var trainer = new GrpoTrainer(config, policy, Kit.Tokenizer, Kit.Prompts(4), Kit.LengthRewards());
        var e = Assert.Throws<R1SharpException>(() => trainer.Train());
        Assert.StartsWith("all 1 rollout workers failed (none loaded the weights of", e.Message);
        Assert.Contains($"http://127.0.0.1:{port}/: update_weights_from_disk:", e.Message);
    }
}
