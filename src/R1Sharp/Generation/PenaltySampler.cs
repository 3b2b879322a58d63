// Repetition (HF RepetitionPenaltyLogitsProcessor / CTRL, arXiv:1909.05858) and OpenAI presence/frequency
// penalties. Token counts live in dictionaries keyed by id, so a step touches only tokens already seen.
using System.Runtime.InteropServices;

namespace R1Sharp.Generation;

/// <summary>
/// Applies, in this order (as llama.cpp and vLLM do):
/// <list type="number">
/// <item>repetition penalty r to every token in the prompt and output (or their last <see cref="RepetitionWindow"/>
/// tokens): logit &gt; 0 → logit / r, otherwise logit · r (HF/CTRL);</item>
/// <item>OpenAI penalties to tokens of the output only: logit −= frequency · count + presence · [count &gt; 0].</item>
/// </list>
/// Per-sequence state: the seen/count tables. Accept must see every output token, sampled or forced.
/// </summary>
public sealed class PenaltySampler : ISampler
{
    private readonly Dictionary<int, int> _seen = [];
    private readonly Dictionary<int, int> _output = [];
    private readonly int[] _window;
    private int _windowStart, _windowCount;

    /// <param name="vocabSize">Tokens must lie in [0, vocabSize).</param>
    /// <param name="repetitionPenalty">r &gt; 0; 1 = off.</param>
    /// <param name="presencePenalty">OpenAI presence penalty; 0 = off.</param>
    /// <param name="frequencyPenalty">OpenAI frequency penalty; 0 = off.</param>
    /// <param name="repetitionWindow">Recent prompt+output tokens the repetition penalty sees; 0 = all.</param>
    public PenaltySampler(int vocabSize, float repetitionPenalty, float presencePenalty = 0f, float frequencyPenalty = 0f, int repetitionWindow = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(repetitionWindow);
        if (!(repetitionPenalty > 0f)) throw new ArgumentOutOfRangeException(nameof(repetitionPenalty), repetitionPenalty, "must be > 0");
        VocabSize = vocabSize;
        RepetitionPenalty = repetitionPenalty;
        PresencePenalty = presencePenalty;
        FrequencyPenalty = frequencyPenalty;
        RepetitionWindow = repetitionWindow;
        _window = new int[repetitionWindow];
    }

    public int VocabSize { get; }
    public float RepetitionPenalty { get; }
    public float PresencePenalty { get; }
    public float FrequencyPenalty { get; }
    public int RepetitionWindow { get; }

    public SamplerStageKind Kind => SamplerStageKind.Transform;

    /// <summary>How many times the output holds <paramref name="token"/>.</summary>
    public int OutputCount(int token) => _output.GetValueOrDefault(token);

    public void AcceptPrompt(ReadOnlySpan<int> tokens)
    {
        foreach (int t in tokens) See(Check(t));
    }

    public void Accept(int token)
    {
        See(Check(token));
        CollectionsMarshal.GetValueRefOrAddDefault(_output, token, out _)++;
    }

    public void Reset()
    {
        _seen.Clear();
        _output.Clear();
        _windowStart = _windowCount = 0;
    }

    public void Apply(ref CandidateSet candidates)
    {
        bool repetition = RepetitionPenalty != 1f && _seen.Count > 0;
        bool openAi = (PresencePenalty != 0f || FrequencyPenalty != 0f) && _output.Count > 0;
        if (!repetition && !openAi) return;
        var logits = candidates.Logits;
        if (candidates.InIdOrder)
        {
            if (repetition) foreach (int t in _seen.Keys) logits[t] = Repeat(logits[t]);
            if (openAi) foreach (var (t, n) in _output) logits[t] -= OpenAi(n);
            return;
        }
        // Candidates were moved by an earlier stage: look each one up instead.
        var ids = candidates.Ids;
        for (int i = 0; i < ids.Length; i++)
        {
            if (repetition && _seen.ContainsKey(ids[i])) logits[i] = Repeat(logits[i]);
            if (openAi && _output.TryGetValue(ids[i], out int n)) logits[i] -= OpenAi(n);
        }
    }

    private float Repeat(float logit) => logit > 0f ? logit / RepetitionPenalty : logit * RepetitionPenalty;

    private float OpenAi(int count) => FrequencyPenalty * count + PresencePenalty;

    private void See(int token)
    {
        if (_window.Length > 0)
        {
            if (_windowCount == _window.Length)
            {
                int old = _window[_windowStart];
                ref int c = ref CollectionsMarshal.GetValueRefOrNullRef(_seen, old);
                if (--c == 0) _seen.Remove(old);
                _window[_windowStart] = token;
                _windowStart = (_windowStart + 1) % _window.Length;
            }
            else _window[(_windowStart + _windowCount++) % _window.Length] = token;
        }
        CollectionsMarshal.GetValueRefOrAddDefault(_seen, token, out _)++;
    }

    private int Check(int token) => (uint)token < (uint)VocabSize
        ? token : throw new ArgumentOutOfRangeException(nameof(token), token, $"vocabulary has {VocabSize} tokens");
}
