// Tests of the n-gram loop detector: exact trigger points for several periods, no false alarms on
// random or merely repetitive-looking streams, recovery after the loop breaks, reset.
using R1Sharp.Generation;
using R1Sharp.Numerics;

namespace R1Sharp.Tests.Generation;

public class LoopGuardTests
{
    private static readonly LoopGuardOptions Defaults = new();

    /// <summary>Feeds a random prefix, then a repeating pattern; returns how many pattern tokens until detection (0 = never).</summary>
    private static int TokensUntilLoop(LoopGuard guard, int period, int maxTokens, ulong seed = 1)
    {
        var rng = new Xoshiro256(seed);
        for (int i = 0; i < 50; i++) Assert.False(guard.Accept(100_000 + (int)(rng.NextUInt64() % 1000)));
        int[] pattern = [.. Enumerable.Range(0, period).Select(_ => (int)(rng.NextUInt64() % 1000))];
        for (int i = 0; i < period; i++) pattern[i] = 1000 * i + pattern[i] % 1000; // all distinct: smallest period is `period`
        for (int i = 0; i < maxTokens; i++)
            if (guard.Accept(pattern[i % period])) return i + 1;
        return 0;
    }

    // Defaults K = 4, MinSpan = 64: a loop of period P is flagged after max(4P, 64) tokens.
    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 64)]
    [InlineData(8, 64)]
    [InlineData(16, 64)]
    [InlineData(17, 68)]
    [InlineData(50, 200)]
    [InlineData(128, 512)]
    public void Loop_is_flagged_after_k_copies_covering_the_min_span(int period, int expected)
    {
        var guard = new LoopGuard();
        Assert.Equal(expected, TokensUntilLoop(guard, period, 2000));
        Assert.Equal(period, guard.LoopPeriod);
    }

    [Fact]
    public void Period_longer_than_max_period_is_not_flagged()
    {
        Assert.Equal(0, TokensUntilLoop(new LoopGuard(), 129, 2000));
    }

    [Theory]
    [InlineData(3, 2, 1, 6)]   // K = 3 copies of a 2-gram
    [InlineData(2, 5, 1, 10)]
    [InlineData(5, 1, 10, 10)] // period 1 needs the 10-token span
    public void Custom_thresholds_apply(int repeats, int period, int minSpan, int expected)
    {
        var guard = new LoopGuard(new LoopGuardOptions { MinRepeats = repeats, MinSpan = minSpan, MaxPeriod = 8 });
        Assert.Equal(expected, TokensUntilLoop(guard, period, 500));
    }

    [Fact]
    public void Random_stream_never_triggers()
    {
        var guard = new LoopGuard();
        var rng = new Xoshiro256(77);
        for (int i = 0; i < 20_000; i++) Assert.False(guard.Accept((int)(rng.NextUInt64() % 50)));
    }

    [Fact]
    public void Short_legit_repetition_does_not_trigger()
    {
        var guard = new LoopGuard();
        for (int i = 0; i < 63; i++) Assert.False(guard.Accept(7)); // a 63-char rule line
        Assert.False(guard.Accept(8));
        for (int i = 0; i < 3; i++)                                // a phrase said three times
            foreach (int t in Enumerable.Range(200, 20)) Assert.False(guard.Accept(t));
    }

    [Fact]
    public void Detection_clears_when_the_loop_breaks_and_after_reset()
    {
        var guard = new LoopGuard();
        for (int i = 0; i < 64; i++) guard.Accept(5);
        Assert.True(guard.Accept(5));
        Assert.False(guard.Accept(6));
        for (int i = 0; i < 63; i++) guard.Accept(5);
        Assert.True(guard.Accept(5));
        guard.Reset();
        Assert.False(guard.Accept(5));
        Assert.Equal(0, guard.LoopPeriod);
    }

    [Theory]
    [InlineData(0, 4, 64, "loop_max_period must be >= 1, got 0")]
    [InlineData(8, 1, 64, "loop_min_repeats must be >= 2, got 1")]
    [InlineData(8, 4, 0, "loop_min_span must be >= 1, got 0")]
    public void Bad_options_are_rejected(int maxPeriod, int repeats, int span, string message)
    {
        var options = Defaults with { MaxPeriod = maxPeriod, MinRepeats = repeats, MinSpan = span };
        Assert.Equal(message, Assert.Throws<R1SharpException>(() => new LoopGuard(options)).Message);
    }
}
