// One sequence of a batched generation: sampler chain, thinking budget, loop guard, and the text pipeline
// HfStreamDecoder → StopStringMatcher → ReasoningParser (SERVING.md §2: stop text excluded, reasoning split).
using R1Sharp.Diagnostics;
using System.Text;
using R1Sharp.Text;
using R1Sharp.Text.Reasoning;

namespace R1Sharp.Generation;

/// <summary>Ids and limits shared by every sequence of one call.</summary>
internal sealed class SequenceRules
{
    public required HashSet<int> EosIds { get; init; }
    public required int ContextLength { get; init; }
    public required int? ThinkingBudget { get; init; }
    /// <summary>Id of "&lt;think&gt;" or -1 when the tokenizer has no such single token.</summary>
    public required int OpenThinkId { get; init; }
    /// <summary>Id of "&lt;/think&gt;" or -1 (then thinking is not tracked in tokens).</summary>
    public required int CloseThinkId { get; init; }
    /// <summary>Ids of "\n&lt;/think&gt;\n\n".</summary>
    public required int[] ForcedEndIds { get; init; }
}

/// <summary>Per-sequence state of <see cref="TextGenerator"/>. Not thread-safe; one per sequence.</summary>
internal sealed class GeneratorSequence
{
    private readonly SequenceRules _rules;
    private readonly SamplerChain _chain;
    private readonly LoopGuard? _loop;
    private readonly HfStreamDecoder _decoder;
    private readonly StopStringMatcher _stops;
    private readonly ReasoningParser _parser;
    private readonly int _maxNewTokens;
    private readonly HfTokenizer _tokenizer;
    private List<TokenLogProbs>? _answerLogProbs, _pendingLogProbs;
    private readonly List<int> _tokens = new();
    private readonly List<float> _logProbs = new();
    private readonly List<bool> _forced = new();
    private readonly StringBuilder _text = new(), _reasoning = new(), _content = new();
    private ThinkingBudget? _budget;
    private int _prefixAt = -1; // next index of Request.AnswerPrefix; -1 until the answer starts
    private bool _sawText;
    private string? _stopString;

    public GeneratorSequence(int index, int promptIndex, int sampleIndex, GenerationRequest request, SamplerChain chain,
        LoopGuardOptions? loop, HfTokenizer tokenizer, IReadOnlyList<string> stops, int maxNewTokens, SequenceRules rules)
    {
        (Index, PromptIndex, SampleIndex, Request, _chain, _rules, _maxNewTokens) = (index, promptIndex, sampleIndex, request, chain, rules, maxNewTokens);
        _loop = loop is null ? null : new LoopGuard(loop);
        _tokenizer = tokenizer;
        _decoder = tokenizer.CreateStreamDecoder(skipSpecialTokens: false);
        _stops = new StopStringMatcher(stops);
        _parser = new ReasoningParser(request.StartsInThinking);
        if (request.StartsInThinking) StartThinking();
        else _prefixAt = 0;
        int[] prompt = [.. request.PromptIds];
        chain.AcceptPrompt(prompt);
    }

    private int _textReasoningTokens;
    private long _firstTokenAt, _lastTokenAt;

    public int Index { get; }
    public int PromptIndex { get; }
    public int SampleIndex { get; }
    public GenerationRequest Request { get; }
    public FinishReason? Finish { get; private set; }
    public bool IsFinished => Finish is not null;
    /// <summary>The token to feed next (the last one appended).</summary>
    public int LastToken => _tokens[^1];
    /// <summary>RoPE position of <see cref="LastToken"/>.</summary>
    public long LastPosition => Request.PromptIds.Count + _tokens.Count - 1;
    /// <summary>Stopwatch timestamp of the start of this sequence's prefill (set by <see cref="DecodeBatch.Admit"/>).</summary>
    public long PrefillStartedAt { get; set; }
    /// <summary>Record answer tokens' log-probs with this many alternatives each (OpenAI top_logprobs); null = record none.</summary>
    public int? TopLogProbs
    {
        get => _answerLogProbs is null ? null : _chain.TopLogProbs;
        init
        {
            if (value is not { } k) return;
            _chain.TopLogProbs = k;
            (_answerLogProbs, _pendingLogProbs) = ([], []);
        }
    }

    /// <summary>The structured-output stage of this sequence's chain, if any: active while the answer is written.</summary>
    public Structured.JsonConstraintSampler? Constraint { get; init; }

    // The answer is being written: thinking is over (or never started, when the prompt does not open it).
    private bool InAnswer => _budget is null ? !Request.StartsInThinking : _budget.Phase == ThinkingPhase.Answering;

    /// <summary>Appends the next token (forced, or sampled from <paramref name="logits"/>) and returns the new text.</summary>
    public ReasoningDelta Advance(ReadOnlySpan<float> logits)
    {
        int token = -1;
        float logProb = 0f;
        bool forced = _budget?.TryGetForced(out token) == true || TryAnswerPrefix(out token);
        bool answer = !forced && InAnswer;
        if (Constraint is not null) Constraint.Active = answer;
        if (forced) _chain.Accept(token);
        else
        {
            using var phase = PhaseProfiler.Enter(DecodePhase.Sampler);
            token = _chain.Sample(logits, out logProb);
        }
        _tokens.Add(token);
        _logProbs.Add(logProb);

        _forced.Add(forced);
        _lastTokenAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_tokens.Count == 1) _firstTokenAt = _lastTokenAt;

        bool opensThinking = _budget is null && !_sawText && token == _rules.OpenThinkId && !Request.StartsInThinking;
        if (_answerLogProbs is not null && answer && !opensThinking && !_rules.EosIds.Contains(token)) RecordLogProbs(token, logProb);
        if (opensThinking) StartThinking();
        else _budget?.Accept(token);
        if (_prefixAt < 0 && _budget?.Phase == ThinkingPhase.Answering) _prefixAt = 0;

        if (_rules.EosIds.Contains(token)) return End(FinishReason.Stop, "");
        var step = _stops.Push(_decoder.Push(token));
        if (step.Stopped)
        {
            _stopString = step.StopString;
            return End(FinishReason.Stop, step.Text);
        }
        var delta = Emit(step.Text);
        // Without single-token think tags there is no budget to count thinking; count the tokens that produced reasoning text.
        if (_budget is null && (delta.Reasoning.Length > 0 || _parser.InThinking)) _textReasoningTokens++;
        if (_loop?.Accept(token) == true) return Join(delta, End(FinishReason.Loop, ""));
        if (_tokens.Count >= _maxNewTokens || Request.PromptIds.Count + _tokens.Count >= _rules.ContextLength)
            return Join(delta, End(FinishReason.Length, ""));
        return delta;
    }

    /// <summary>The answer tokens' log-probs recorded since the last call (null when none), for the next streamed delta.</summary>
    public IReadOnlyList<TokenLogProbs>? TakeLogProbs()
    {
        if (_pendingLogProbs is not { Count: > 0 }) return null;
        var taken = _pendingLogProbs.ToArray();
        _pendingLogProbs.Clear();
        return taken;
    }

    private void RecordLogProbs(int token, float logProb)
    {
        var entry = new TokenLogProbs(token, logProb, BytesOf(token), [.. _chain.LastTop().Select(t => new TopLogProb(t.Token, t.LogProb, BytesOf(t.Token)))]);
        _answerLogProbs!.Add(entry);
        _pendingLogProbs!.Add(entry);
    }

    private byte[] BytesOf(int id) =>
        _tokenizer.AddedContent(id) is { } added ? Encoding.UTF8.GetBytes(added) : _tokenizer.IsKnown(id) ? _tokenizer.TokenBytes(id).ToArray() : [];

    /// <summary>Ends a live sequence because the caller cancelled.</summary>
    public ReasoningDelta Cancel() => IsFinished ? ReasoningDelta.Empty : End(FinishReason.Cancelled, "");

    public GenerationResult ToResult() => new()
    {
        PromptIndex = PromptIndex,
        SampleIndex = SampleIndex,
        Tokens = [.. _tokens],
        LogProbs = [.. _logProbs],
        Forced = [.. _forced],
        Text = _text.ToString(),
        Reasoning = _reasoning.ToString(),
        Content = _content.ToString(),
        FinishReason = Finish ?? FinishReason.Cancelled,
        StopString = _stopString,
        Usage = new GenerationUsage(Request.PromptIds.Count, _tokens.Count, _budget?.ThinkingTokens ?? _textReasoningTokens),
        ThinkingForced = _budget?.EndForced ?? false,
        ContentLogProbs = _answerLogProbs?.ToArray(),
        Timings = _tokens.Count == 0 ? null
            : GenerationTimings.FromTimestamps(Request.PromptIds.Count, PrefillStartedAt, _tokens.Count, _firstTokenAt, _lastTokenAt),
    };

    // Request.AnswerPrefix, fed once the answer starts (_prefixAt >= 0).
    private bool TryAnswerPrefix(out int token)
    {
        var prefix = Request.AnswerPrefix;
        bool forcing = prefix is not null && _prefixAt >= 0 && _prefixAt < prefix.Count;
        token = forcing ? prefix![_prefixAt++] : -1;
        return forcing;
    }

    // Thinking is tracked in tokens only when the tokenizer has single-token tags.
    private void StartThinking()
    {
        if (_rules.CloseThinkId < 0) return;
        _budget = new ThinkingBudget(_rules.ThinkingBudget, _rules.CloseThinkId, _rules.ForcedEndIds);
    }

    private ReasoningDelta End(FinishReason reason, string text)
    {
        Finish = reason;
        var delta = Emit(text);
        if (reason != FinishReason.Stop || _stopString is null)
        {
            // No stop string completed: the decoder's dangling bytes and the matcher's held tail are real output.
            var tail = _stops.Push(_decoder.Flush());
            delta = Join(delta, Emit(tail.Text + _stops.Flush()));
        }
        var last = _parser.Finish();
        Append(last);
        return Join(delta, last);
    }

    private ReasoningDelta Emit(string text)
    {
        if (text.Length == 0) return ReasoningDelta.Empty;
        _text.Append(text);
        if (!_sawText && !string.IsNullOrWhiteSpace(text)) _sawText = true;
        var delta = _parser.Feed(text);
        Append(delta);
        return delta;
    }

    private void Append(ReasoningDelta d)
    {
        _reasoning.Append(d.Reasoning);
        _content.Append(d.Content);
    }

    private static ReasoningDelta Join(ReasoningDelta a, ReasoningDelta b) =>
        b.IsEmpty ? a : a.IsEmpty ? b : new ReasoningDelta(a.Reasoning + b.Reasoning, a.Content + b.Content);
}
