// The opt-in decode-step profiler, for shape only (no timings are asserted): nested phases are exclusive, the phases
// plus "other" add up to the step exactly, a real batch-1 decode marks every model phase, and `R1_PROFILE=1 r1 run`
// prints the split.
using System.Diagnostics;
using R1Sharp.Diagnostics;
using R1Sharp.Generation;
using R1Sharp.Tests.Cli;
using static R1Sharp.Tests.Generation.GeneratorTestKit;

namespace R1Sharp.Tests.Diagnostics;

public class PhaseProfilerTests
{
    private static readonly DecodePhase[] ModelPhases =
        [DecodePhase.Matvec, DecodePhase.Attention, DecodePhase.NormRope, DecodePhase.LmHead, DecodePhase.Sampler];

    [Fact]
    public void Nested_phases_count_exclusively_and_all_phases_add_up_to_the_step()
    {
        var profiler = new PhaseProfiler();
        using (profiler.Activate())
        {
            profiler.BeginStep();
            using (PhaseProfiler.Enter(DecodePhase.Attention))
            {
                using (PhaseProfiler.Enter(DecodePhase.Matvec)) WaitForTicks();
                WaitForTicks();
            }
            WaitForTicks();
            profiler.EndStep();
        }
        Assert.Null(PhaseProfiler.Current);
        Assert.Equal(1, profiler.Steps);
        foreach (var phase in new[] { DecodePhase.Attention, DecodePhase.Matvec, DecodePhase.Other })
            Assert.True(profiler.Total(phase) > TimeSpan.Zero, phase.ToString());
        Assert.Equal(TimeSpan.Zero, profiler.Total(DecodePhase.LmHead));
        var sum = Enum.GetValues<DecodePhase>().Aggregate(TimeSpan.Zero, (total, p) => total + profiler.Total(p));
        Assert.InRange((sum - profiler.StepTotal).Duration().Ticks, 0, 6); // exact up to rounding each phase to 100 ns
    }

    [Fact]
    public void Phases_outside_a_step_or_without_an_active_profiler_are_not_counted()
    {
        using (PhaseProfiler.Enter(DecodePhase.Matvec)) WaitForTicks(); // no profiler: a no-op
        var profiler = new PhaseProfiler();
        using (profiler.Activate())
        using (PhaseProfiler.Enter(DecodePhase.Matvec)) WaitForTicks();  // no step open
        Assert.Equal((0, TimeSpan.Zero), (profiler.Steps, profiler.Total(DecodePhase.Matvec)));
    }

    [Fact]
    public void A_batch_1_greedy_decode_marks_every_model_phase_and_reports_one_line_each()
    {
        using var model = RandomModel(seed: 51);
        using var generator = NewGenerator(model);
        var profiler = new PhaseProfiler();
        using (profiler.Activate())
            generator.Generate(new GenerationRequest([3, 4, 5]), Greedy(6) with { IgnoreEos = true });
        Assert.Equal(5, profiler.Steps); // the first token comes from the prefill, which is not a decode step
        foreach (var phase in ModelPhases) Assert.True(profiler.Total(phase) > TimeSpan.Zero, phase.ToString());
        var lines = profiler.Report().Split('\n');
        Assert.Equal("decode step split over 5 steps:", lines[0]);
        Assert.Equal(["matvec", "attention", "norm+rope", "lm_head", "sampler", "other", "step"], lines[1..].Select(l => l.Trim().Split(' ')[0]));
        Assert.All(lines[1..], l => Assert.Matches(@"^  \S+ +\d+\.\d{3} ms/step +\d+\.\d %$", l));
    }

    [Fact]
    public void R1_PROFILE_1_makes_r1_run_print_the_split_on_stderr()
    {
        string dir = SaveModelDir(RandomModel(seed: 52));
        var env = new Dictionary<string, string> { [PhaseProfiler.EnvironmentVariable] = "1" };
        var r = R1Process.RunWithEnvironment(env, null, "run", "--model", dir, "--prompt", "hi", "--max-tokens", "4", "--temperature", "0", "--ignore-eos", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("decode step split over 3 steps:", r.Stderr);
        Assert.Contains("lm_head", r.Stderr);
        var plain = R1Process.Run("run", "--model", dir, "--prompt", "hi", "--max-tokens", "4", "--temperature", "0", "--json");
        Assert.DoesNotContain("decode step split", plain.Stderr);
    }

    // Busy-waits until the stopwatch has moved, so a phase has a nonzero duration without sleeping.
    private static void WaitForTicks()
    {
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() - start < 10) { }
    }
}
