// Turns scored rollouts into the tensors of one GRPO micro-batch: left-padded prompt + right-padded completion ids,
// and the completion mask TRL builds in _generate_and_score_completions (after-EOS, truncated and forced tokens out).
using R1Sharp.Generation;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>One sampled completion with what the update needs: its prompt ids, tokens, loss mask and advantage.</summary>
/// <param name="PromptIds">The prompt as fed to the generator.</param>
/// <param name="Tokens">The generated ids (an EOS, if any, last).</param>
/// <param name="Mask">Per token: true when its loss counts (see <see cref="GrpoBatch.CompletionMask"/>).</param>
/// <param name="Advantage">The sequence's advantage A, broadcast over its tokens.</param>
/// <remarks>This record is the seam for rollouts made elsewhere (an inference server, an older policy): fill
/// <see cref="BehaviorLogProbs"/> with the sampler's per-token log-probs and the off-policy correction
/// (importance_sampling_correction, off_policy_mask_threshold) has its input.</remarks>
public sealed record GrpoSample(IReadOnlyList<int> PromptIds, int[] Tokens, bool[] Mask, double Advantage)
{
    /// <summary>log π_behaviour of each token as the sampler computed it (after temperature, before top-p/top-k
    /// truncation, as vLLM's logprobs), one per token; null when the producer did not report them.</summary>
    public float[]? BehaviorLogProbs { get; init; }
}

/// <summary>
/// The tensors of one micro-batch. Row b is <c>[pad… prompt | completion …pad]</c>: prompts are left-padded to a common
/// length P so every completion starts at column P, and the logits of columns P−1 … P+C−2 predict its C tokens.
/// Owns its tensors (dispose it when the generation batch is done).
/// </summary>
public sealed class GrpoMicroBatch : IDisposable
{
    /// <summary>(B, P + C) int64 ids; padding is id 0 and masked out.</summary>
    public required Tensor InputIds { get; init; }
    /// <summary>(B, P + C) int64, 1 for real tokens.</summary>
    public required Tensor AttentionMask { get; init; }
    /// <summary>(B, P + C) int64 RoPE positions, counting real tokens only (so left padding does not shift them).</summary>
    public required Tensor Positions { get; init; }
    /// <summary>(B, C) int64 completion ids (0 in padding).</summary>
    public required Tensor CompletionIds { get; init; }
    /// <summary>(B, C) float32, 1 where the token's loss counts.</summary>
    public required Tensor CompletionMask { get; init; }
    /// <summary>(B, C) float32 behaviour log-probs (0 in padding), or null when a sample lacks them.</summary>
    public Tensor? BehaviorLogProbs { get; init; }
    /// <summary>(B) float32 advantages.</summary>
    public required Tensor Advantages { get; init; }
    /// <summary>P, the padded prompt length.</summary>
    public required int PromptLength { get; init; }
    /// <summary>C, the longest completion in the micro-batch.</summary>
    public required int CompletionLength { get; init; }
    /// <summary>Unmasked completion tokens (the dapo loss's share of num_items_in_batch).</summary>
    public required int MaskedTokens { get; init; }
    /// <summary>The samples, in row order.</summary>
    public required IReadOnlyList<GrpoSample> Samples { get; init; }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        InputIds.Dispose(); AttentionMask.Dispose(); Positions.Dispose();
        CompletionIds.Dispose(); CompletionMask.Dispose(); Advantages.Dispose(); BehaviorLogProbs?.Dispose();
    }
}

/// <summary>Pure helpers that lay rollouts out for the loss.</summary>
public static class GrpoBatch
{
    /// <summary>
    /// Which tokens of a completion carry loss: tokens up to and including the first EOS (TRL's is_eos mask), minus
    /// tokens the thinking budget forced (not sampled by the policy); none at all when
    /// <paramref name="maskTruncated"/> and the completion did not end by itself (DAPO: a cut-off completion's reward
    /// says nothing about its tokens). A completion ends by itself when it ends with EOS or a stop string.
    /// </summary>
    /// <example>tokens [5, 9, EOS, 7], forced [F, T, F, F] → mask [T, F, T, F].</example>
    public static bool[] CompletionMask(ReadOnlySpan<int> tokens, ReadOnlySpan<bool> forced, FinishReason finish,
        IReadOnlyList<int> eosIds, bool maskTruncated)
    {
        var mask = new bool[tokens.Length];
        if (maskTruncated && finish != FinishReason.Stop) return mask;
        for (int i = 0; i < tokens.Length; i++)
        {
            mask[i] = i >= forced.Length || !forced[i];
            if (eosIds.Contains(tokens[i])) break;
        }
        return mask;
    }

    /// <summary>Builds the micro-batch tensors for <paramref name="samples"/> on <paramref name="device"/>.</summary>
    public static GrpoMicroBatch Build(IReadOnlyList<GrpoSample> samples, Device? device = null)
    {
        if (samples.Count == 0) throw new ArgumentException("a micro-batch needs at least one sample", nameof(samples));
        int b = samples.Count;
        int p = samples.Max(s => s.PromptIds.Count);
        int c = Math.Max(1, samples.Max(s => s.Tokens.Length));
        int t = p + c;
        var ids = new long[b * t];
        var attention = new long[b * t];
        var positions = new long[b * t];
        var completion = new long[b * c];
        var mask = new float[b * c];
        var advantages = new float[b];
        bool hasBehavior = samples.All(s => s.BehaviorLogProbs is { } lp && lp.Length == s.Tokens.Length);
        var behavior = hasBehavior ? new float[b * c] : null;
        int masked = 0;
        for (int row = 0; row < b; row++)
        {
            var s = samples[row];
            int pad = p - s.PromptIds.Count, pos = 0;
            for (int i = 0; i < s.PromptIds.Count; i++) Put(row * t + pad + i, s.PromptIds[i]);
            for (int i = 0; i < s.Tokens.Length; i++)
            {
                Put(row * t + p + i, s.Tokens[i]);
                completion[row * c + i] = s.Tokens[i];
                if (behavior is not null) behavior[row * c + i] = s.BehaviorLogProbs![i];
                if (s.Mask[i]) { mask[row * c + i] = 1f; masked++; }
            }
            advantages[row] = (float)s.Advantage;

            void Put(int at, int id) { ids[at] = id; attention[at] = 1; positions[at] = pos++; }
        }
        return new GrpoMicroBatch
        {
            InputIds = tensor(ids, [b, t], device: device),
            AttentionMask = tensor(attention, [b, t], device: device),
            Positions = tensor(positions, [b, t], device: device),
            CompletionIds = tensor(completion, [b, c], device: device),
            CompletionMask = tensor(mask, [b, c], device: device),
            Advantages = tensor(advantages, [b], device: device),
            BehaviorLogProbs = behavior is null ? null : tensor(behavior, [b, c], device: device),
            PromptLength = p,
            CompletionLength = c,
            MaskedTokens = masked,
            Samples = samples,
        };
    }
}
