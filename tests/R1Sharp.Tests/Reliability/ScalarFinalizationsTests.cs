// The GcStress hook's Scalar counter (tests/GcStress) against Scalars this test leaks on purpose: it must see them, or
// the Reliability tests' "0 Scalars finalized" would prove nothing.
using TorchSharp;

namespace R1Sharp.Tests.Reliability;

public sealed class ScalarFinalizationsTests
{
    [Fact]
    public void The_counter_sees_scalars_left_to_the_finalizer()
    {
        using var counter = new ScalarFinalizations();
        LeakScalars(100);
        long seen = 0;
        for (int i = 0; i < 50 && seen < 100; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(100);   // runtime events reach the listener asynchronously
            seen = counter.Scalars;
        }
        Assert.True(seen >= 100, $"counted {seen} of 100 leaked Scalars");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void LeakScalars(int count)
    {
        for (int i = 0; i < count; i++) _ = (i + 0.5).ToScalar();
    }
}
