// A test-only first sampler stage that makes any model write a script chosen from the prompt text (then EOS): how the
// end-to-end tool-calling tests get a tiny model to "call a tool" (TextGenerator.TestLogitsProcessor). Forced tokens (thinking
// end, answer prefix) do not advance the script: it continues where the model left off.
using R1Sharp.Generation;
using R1Sharp.Text;

namespace R1Sharp.Tests.Generation;

internal sealed class ScriptedSampler(HfTokenizer tokenizer, Func<string, string> script) : ISampler
{
    private int[] _script = [];
    private int _at;
    private bool _applied;

    /// <summary>Installs a script on every sequence <paramref name="generator"/> runs.</summary>
    public static void Install(R1Sharp.Generation.TextGenerator generator, Func<string, string> script) =>
        generator.TestLogitsProcessor = () => new ScriptedSampler(generator.Tokenizer, script);

    public SamplerStageKind Kind => SamplerStageKind.Transform;

    public void AcceptPrompt(ReadOnlySpan<int> tokens)
    {
        string text = script(tokenizer.Decode(tokens));
        _script = [.. tokenizer.Encode(text, addSpecialTokens: false), tokenizer.EosId!.Value];
        _at = 0;
    }

    public void Apply(ref CandidateSet candidates)
    {
        if (_at >= _script.Length) return;
        Assert.True(candidates.InIdOrder);
        candidates.Logits.Fill(float.NegativeInfinity);
        candidates.Logits[_script[_at]] = 0f;
        _applied = true;
    }

    public void Accept(int token)
    {
        if (_applied) _at++;
        _applied = false;
    }

    public void Reset()
    {
        _at = 0;
        _applied = false;
    }
}
