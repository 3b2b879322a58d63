// Thinking-budget state machine (llama.cpp --reasoning-budget, vLLM thinking_token_budget): counts reasoning
// tokens after the prefilled "<think>\n" and, at the budget, forces "\n</think>\n\n" so the answer follows.
namespace R1Sharp.Generation;

/// <summary>Where a sequence is relative to its reasoning.</summary>
public enum ThinkingPhase
{
    /// <summary>Inside &lt;think&gt;: the model samples and tokens count against the budget.</summary>
    Thinking,
    /// <summary>Budget spent: the generator must feed <see cref="ThinkingBudget.ForcedTokens"/> one by one.</summary>
    Forcing,
    /// <summary>After &lt;/think&gt; (natural or forced): the answer, not counted.</summary>
    Answering,
}

/// <summary>
/// Per-sequence budget. TextGenerator loop: <c>token = budget.TryGetForced(out var f) ? f : chain.Sample(row);</c>
/// (forced tokens also go to <c>chain.Accept</c>), then <c>budget.Accept(token)</c>.
/// A budget of 0 ends thinking at once; null means unlimited (only natural &lt;/think&gt; is tracked).
/// </summary>
public sealed class ThinkingBudget
{
    private readonly int[] _forced;
    private int _forcedIndex;

    /// <param name="budget">Reasoning tokens allowed (≥ 0), or null for no limit.</param>
    /// <param name="endThinkToken">Id of "&lt;/think&gt;" — seeing it in the Thinking phase ends thinking naturally.</param>
    /// <param name="forcedEndTokens">Ids of "\n&lt;/think&gt;\n\n" (non-empty), fed when the budget runs out.</param>
    public ThinkingBudget(int? budget, int endThinkToken, ReadOnlySpan<int> forcedEndTokens)
    {
        if (budget < 0) throw new ArgumentOutOfRangeException(nameof(budget), budget, "must be >= 0 or null (unlimited)");
        if (forcedEndTokens.IsEmpty) throw new ArgumentException("the forced end-of-thinking sequence is empty", nameof(forcedEndTokens));
        Budget = budget;
        EndThinkToken = endThinkToken;
        _forced = forcedEndTokens.ToArray();
        Reset();
    }

    public int? Budget { get; }
    public int EndThinkToken { get; }
    public ThinkingPhase Phase { get; private set; }

    /// <summary>Reasoning tokens accepted so far (excluding &lt;/think&gt; and forced tokens).</summary>
    public int ThinkingTokens { get; private set; }

    /// <summary>True when the model closed its reasoning itself.</summary>
    public bool EndedNaturally { get; private set; }

    /// <summary>True when the budget forced the end of reasoning.</summary>
    public bool EndForced { get; private set; }

    /// <summary>The forced tokens still to feed (empty unless <see cref="Phase"/> is Forcing), e.g. for one batched prefill.</summary>
    public ReadOnlySpan<int> ForcedTokens => Phase == ThinkingPhase.Forcing ? _forced.AsSpan(_forcedIndex) : [];

    /// <summary>True (with the token) when the next token must be forced instead of sampled.</summary>
    public bool TryGetForced(out int token)
    {
        bool forcing = Phase == ThinkingPhase.Forcing;
        token = forcing ? _forced[_forcedIndex] : -1;
        return forcing;
    }

    /// <summary>Records the token appended to the sequence (sampled or forced).</summary>
    public void Accept(int token)
    {
        switch (Phase)
        {
            case ThinkingPhase.Thinking when token == EndThinkToken:
                Phase = ThinkingPhase.Answering;
                EndedNaturally = true;
                break;
            case ThinkingPhase.Thinking:
                ThinkingTokens++;
                if (ThinkingTokens >= Budget) StartForcing();
                break;
            case ThinkingPhase.Forcing:
                if (token != _forced[_forcedIndex])
                    throw new InvalidOperationException($"thinking budget expected forced token {_forced[_forcedIndex]}, got {token}");
                if (++_forcedIndex == _forced.Length) Phase = ThinkingPhase.Answering;
                break;
        }
    }

    /// <summary>Back to the start of reasoning (right after the "&lt;think&gt;\n" prefill).</summary>
    public void Reset()
    {
        ThinkingTokens = 0;
        _forcedIndex = 0;
        EndedNaturally = EndForced = false;
        Phase = ThinkingPhase.Thinking;
        if (Budget == 0) StartForcing();
    }

    private void StartForcing()
    {
        Phase = ThinkingPhase.Forcing;
        EndForced = true;
        _forcedIndex = 0;
    }
}
