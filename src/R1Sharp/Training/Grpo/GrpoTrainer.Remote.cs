// GRPO with remote rollouts (rollout.endpoints, issue 18): before a rollout that is due for it the trainer writes the
// policy as a safetensors model directory and has every worker load it (SGLang's update_weights_from_disk); the
// rollout then samples each prompt's G completions on the pool over /v1/completions, and the completions' token ids and
// behaviour log-probs become the samples, so importance_sampling_correction can reweigh stale ones (sync_steps > 1).
using System.Diagnostics;
using R1Sharp.Generation;

namespace R1Sharp.Training.Grpo;

/// <summary>The pool and what the trainer knows of it: the served model's name and the step whose weights it holds.</summary>
internal sealed class RemoteRolloutState(RolloutPool pool) : IDisposable
{
    public RolloutPool Pool { get; } = pool;
    public string? Model { get; set; }
    /// <summary>The optimizer step whose weights the workers hold; −1 before the first sync.</summary>
    public int SyncedAt { get; set; } = -1;
    public bool ToldRetokenized { get; set; }
    public void Dispose() => Pool.Dispose();
}

public sealed partial class GrpoTrainer
{
    private RemoteRolloutState? NewRemoteRollouts()
    {
        if (!_config.UsesRemoteRollouts) return null;
        if (_parallel.IsDistributed)
            throw new R1SharpException("rollout.endpoints under mpirun is not implemented (each rank would push weights); run the trainer in one process, or drop rollout.endpoints");
        var log = _options.Log;
        return new RemoteRolloutState(new RolloutPool(_config.RolloutEndpoints, TimeSpan.FromSeconds(_config.RolloutTimeoutSeconds), log))
        {
            Model = _config.RolloutModelName,
        };
    }

    /// <summary>
    /// Pushes the policy to the workers when they hold weights rollout.sync_steps or more steps old (and before the
    /// first rollout of a run); returns the seconds spent writing and loading (0 when not due or rollouts are local).
    /// </summary>
    private double SyncRolloutWeights(CancellationToken ct)
    {
        if (_remote is not { } remote) return 0;
        if (remote.SyncedAt >= 0 && _state.Step - remote.SyncedAt < _config.RolloutSyncSteps) return 0;
        var clock = Stopwatch.StartNew();
        string dir = _config.RolloutWeightsDirectory;
        _policy.Save(dir);
        remote.Pool.SyncAsync(dir, $"step-{_state.Step}", ct).GetAwaiter().GetResult();
        remote.SyncedAt = _state.Step;
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>G samples of each prompt from the pool, as generation results (prompt-major, as the local generator's).</summary>
    private GenerationResult[] RemoteGenerate(RemoteRolloutState remote, List<GrpoPrompt> prompts, ulong seed, CancellationToken ct)
    {
        int g = _config.NumGenerations;
        remote.Model ??= remote.Pool.ModelNameAsync(ct).GetAwaiter().GetResult();
        var sampling = new RolloutSampling(remote.Model, g, _config.MaxCompletionLength, _config.Temperature, _config.TopP, _config.TopK);
        // Prompt p samples with seed + p·G (the server derives one seed per sample), as the local sequences do.
        var bodies = prompts.Select((p, i) => RolloutPool.Body(sampling, p.Text, seed + (ulong)(i * g))).ToArray();
        var replies = remote.Pool.SampleAsync(bodies, g, ct).GetAwaiter().GetResult();
        var tokenizer = _generator.Tokenizer;
        int? eos = _generator.EosTokenIds.Count > 0 ? _generator.EosTokenIds[0] : null;
        var results = new List<GenerationResult>(prompts.Count * g);
        for (int p = 0; p < prompts.Count; p++)
        {
            foreach (var choice in replies[p])
            {
                var (tokens, logProbs, retokenized) = RemoteCompletion.Tokens(choice, text => tokenizer.Encode(text, addSpecialTokens: false), eos);
                if (retokenized && !remote.ToldRetokenized)
                {
                    remote.ToldRetokenized = true;
                    _options.Log?.Invoke("rollout workers return no token ids (vLLM's return_token_ids): completions are re-tokenized; samples whose token count then differs from the log-probs' train without behaviour log-probs");
                }
                results.Add(new GenerationResult
                {
                    PromptIndex = p, SampleIndex = choice.Index, Tokens = tokens,
                    LogProbs = logProbs ?? [], Forced = new bool[tokens.Length],   // no log-probs: ToSamples leaves them out
                    Text = choice.Text, Reasoning = "", Content = choice.Text, FinishReason = choice.Finish,
                    Usage = new GenerationUsage(prompts[p].Ids.Count, tokens.Length, 0),
                });
            }
        }
        return [.. results];
    }
}
