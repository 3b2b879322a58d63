// Table-driven tests of the logit-transforming and selecting stages: temperature, penalties (HF repetition,
// OpenAI presence/frequency), greedy argmax and seeded distribution sampling. Expected values hand-computed.
using R1Sharp.Generation;
using static R1Sharp.Tests.Generation.SamplerTestKit;

namespace R1Sharp.Tests.Generation;

public class SamplerStageTests
{
    [Theory]
    [InlineData(1.0, new[] { 1f, 2f, 3f, 4f })]
    [InlineData(2.0, new[] { 0.5f, 1f, 1.5f, 2f })]
    [InlineData(0.5, new[] { 2f, 4f, 6f, 8f })]
    public void Temperature_divides_every_logit(double t, float[] expected)
    {
        Assert.Equal(expected, Transformed([1f, 2f, 3f, 4f], new TemperatureSampler((float)t)));
    }

    [Fact]
    public void Temperature_two_flattens_probabilities_to_their_square_roots()
    {
        // softmax(ln p / 2) ∝ √p: [0.1, 0.4, 0.2, 0.3] → √p / Σ√p.
        double[] p = [0.1, 0.4, 0.2, 0.3];
        double z = p.Sum(Math.Sqrt);
        var (_, probs) = Run(LogitsOf(p), new TemperatureSampler(2f));
        AssertClose([.. p.Select(x => Math.Sqrt(x) / z)], probs);
    }

    // Logits [2, -1, 0.5, -3] (token 4 of a 5-token vocab is 0 and never penalised).
    [Theory]
    [InlineData(new[] { 0, 1 }, new[] { 1f, -2f, 0.5f, -3f, 0f })]      // positive ÷ 2, negative × 2
    [InlineData(new[] { 2, 3 }, new[] { 2f, -1f, 0.25f, -6f, 0f })]
    [InlineData(new[] { 0, 0, 0 }, new[] { 1f, -1f, 0.5f, -3f, 0f })]   // once, however many times seen
    [InlineData(new[] { 4 }, new[] { 2f, -1f, 0.5f, -3f, 0f })]         // zero logit: × 2 = 0
    public void Repetition_penalty_divides_positive_and_multiplies_negative_logits(int[] output, float[] expected)
    {
        var stage = new PenaltySampler(5, repetitionPenalty: 2f);
        foreach (int t in output) stage.Accept(t);
        Assert.Equal(expected, Transformed([2f, -1f, 0.5f, -3f, 0f], stage));
    }

    [Fact]
    public void Repetition_penalty_counts_prompt_tokens()
    {
        var stage = new PenaltySampler(5, repetitionPenalty: 2f);
        stage.AcceptPrompt([3]);
        Assert.Equal([2f, -1f, 0.5f, -6f, 0f], Transformed([2f, -1f, 0.5f, -3f, 0f], stage));
    }

    [Fact]
    public void Repetition_window_forgets_tokens_that_slid_out()
    {
        var stage = new PenaltySampler(5, repetitionPenalty: 2f, repetitionWindow: 2);
        stage.AcceptPrompt([0, 1, 2]); // window now holds 1, 2
        Assert.Equal([2f, -2f, 0.25f, -3f, 0f], Transformed([2f, -1f, 0.5f, -3f, 0f], stage));
        stage.Accept(1);               // window 2, 1
        stage.Accept(1);               // window 1, 1: token 2 leaves
        Assert.Equal([2f, -2f, 0.5f, -3f, 0f], Transformed([2f, -1f, 0.5f, -3f, 0f], stage));
    }

    // presence 0.5, frequency 0.25; output [0, 0, 2]: token 0 −(0.5 + 2·0.25) = −1, token 2 −(0.5 + 0.25).
    [Theory]
    [InlineData(0.5, 0.25, new[] { 1f, -1f, -0.25f, -3f })]
    [InlineData(0.5, 0.0, new[] { 1.5f, -1f, 0f, -3f })]
    [InlineData(0.0, 0.25, new[] { 1.5f, -1f, 0.25f, -3f })]
    [InlineData(-0.5, 0.0, new[] { 2.5f, -1f, 1f, -3f })]
    public void Presence_and_frequency_penalties_follow_openai(double presence, double frequency, float[] expected)
    {
        var stage = new PenaltySampler(4, 1f, (float)presence, (float)frequency);
        stage.AcceptPrompt([1, 3]); // prompt tokens are not penalised by presence/frequency
        foreach (int t in new[] { 0, 0, 2 }) stage.Accept(t);
        Assert.Equal(2, stage.OutputCount(0));
        Assert.Equal(expected, Transformed([2f, -1f, 0.5f, -3f], stage));
    }

    [Fact]
    public void Penalties_after_a_reordering_stage_hit_the_right_ids()
    {
        var stage = new PenaltySampler(4, 2f, presencePenalty: 1f);
        stage.Accept(3);
        var ws = new SamplerWorkspace(4);
        var c = ws.Load([2f, -1f, 0.5f, 4f]);
        new TopKSampler(3).Apply(ref c); // ids 3, 0, 2
        stage.Apply(ref c);
        Assert.Equal([3, 0, 2], c.Ids.ToArray());
        Assert.Equal([1f, 2f, 0.5f], c.Logits.ToArray()); // 4 / 2 − 1
    }

    [Fact]
    public void Penalty_reset_forgets_counts()
    {
        var stage = new PenaltySampler(4, 2f, 1f, 1f);
        stage.Accept(0);
        stage.Reset();
        Assert.Equal([2f, -1f, 0.5f, -3f], Transformed([2f, -1f, 0.5f, -3f], stage));
    }

    [Theory]
    [InlineData(new[] { 1f, 3f, 3f, 2f }, 1)]
    [InlineData(new[] { 5f, 5f, 5f, 5f }, 0)]
    [InlineData(new[] { -1f, -3f, -0.5f, -2f }, 2)]
    [InlineData(new[] { float.NegativeInfinity, float.NegativeInfinity, 0f, float.NegativeInfinity }, 2)]
    [InlineData(new[] { 0f, 0f, 0f, 9f }, 3)]
    public void Greedy_picks_the_argmax_with_ties_to_the_lowest_id(float[] logits, int expected)
    {
        var ws = new SamplerWorkspace(logits.Length);
        var c = ws.Load(logits);
        new GreedySampler().Apply(ref c);
        Assert.Equal(expected, c.SelectedToken);
    }

    [Fact]
    public void Top_k_one_then_sampling_equals_greedy()
    {
        for (ulong seed = 0; seed < 50; seed++)
        {
            var row = RandomRow(500, 1.0, seed);
            for (int i = 0; i < row.Length; i += 2) row[i] = MathF.Round(row[i]); // ties at the top
            var topK = new SamplerChain([new TopKSampler(1), new DistributionSampler(seed)], row.Length);
            var greedy = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0 }, row.Length);
            Assert.Equal(greedy.Sample(row), topK.Sample(row));
        }
    }
}
