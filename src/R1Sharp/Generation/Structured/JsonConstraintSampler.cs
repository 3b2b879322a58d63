// The sampler stage of structured output: while Active (the answer, after </think>), every token whose bytes cannot
// continue the JSON answer gets a −∞ logit, and end-of-sequence ids are allowed only once the value is complete
// (llama.cpp's grammar sampler; outlines/xgrammar token masks). First in the chain, so log-probs see the mask.
namespace R1Sharp.Generation.Structured;

/// <summary>
/// Constrains one sequence's answer to a <see cref="JsonGrammar"/>. Inactive stages pass logits through and ignore
/// accepted tokens (the thinking stays free); the generator sets <see cref="Active"/> before each token.
/// </summary>
public sealed class JsonConstraintSampler : ISampler
{
    private readonly JsonGrammar _grammar;
    private readonly TokenTrie _trie;
    private readonly int[] _eosIds;
    private readonly bool[] _allowed;
    private readonly List<Stack>[] _levels;
    private JsonMatcher _state;

    /// <param name="grammar">What the answer must be.</param>
    /// <param name="trie">The vocabulary's token bytes.</param>
    /// <param name="eosIds">Ids that end the sequence: allowed exactly when the answer is complete.</param>
    public JsonConstraintSampler(JsonGrammar grammar, TokenTrie trie, IEnumerable<int> eosIds)
    {
        (_grammar, _trie) = (grammar, trie);
        _eosIds = [.. eosIds];
        _allowed = new bool[trie.VocabSize];
        _levels = trie.NewLevels();
        _state = JsonMatcher.Start(grammar);
    }

    /// <summary>True while the answer is being written (set by the generator before each token).</summary>
    public bool Active { get; set; }

    /// <summary>True when the constrained bytes so far form a complete answer.</summary>
    public bool IsComplete => _state.IsComplete;

    /// <inheritdoc/>
    public SamplerStageKind Kind => SamplerStageKind.Transform;

    /// <inheritdoc/>
    public void Apply(ref CandidateSet candidates)
    {
        if (!Active) return;
        _trie.Allowed(_state.Stacks, _allowed, _levels);
        bool complete = _state.IsComplete;
        var logits = candidates.Logits;
        var ids = candidates.Ids;
        for (int i = 0; i < logits.Length; i++)
        {
            int id = ids[i];
            bool ok = Array.IndexOf(_eosIds, id) >= 0 ? complete : (uint)id < (uint)_allowed.Length && _allowed[id];
            if (!ok) logits[i] = float.NegativeInfinity;
        }
    }

    /// <inheritdoc/>
    public void Accept(int token)
    {
        if (!Active || Array.IndexOf(_eosIds, token) >= 0) return;
        var bytes = _trie.Bytes(token)
            ?? throw new InvalidOperationException($"token {token} (a special token) cannot be part of a {_grammar.Description} answer");
        _state = _state.Advance(bytes)
            ?? throw new InvalidOperationException($"token {token} cannot continue the {_grammar.Description} answer");
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _state = JsonMatcher.Start(_grammar);
        Active = false;
    }
}
