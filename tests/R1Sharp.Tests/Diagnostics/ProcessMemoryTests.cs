// ProcessMemory: the resident size and its resettable peak, checked with native allocations whose pages are touched.
using System.Runtime.InteropServices;
using R1Sharp.Diagnostics;

namespace R1Sharp.Tests.Diagnostics;

public sealed class ProcessMemoryTests
{
    private const long Size = 160L << 20;

    // Allocates Size bytes of native memory, writes every page (so it is resident), then frees it.
    private static void TouchAndFree()
    {
        IntPtr block = Marshal.AllocHGlobal((nint)Size);
        try
        {
            unsafe { new Span<byte>((void*)block, (int)Size).Fill(1); }
        }
        finally { Marshal.FreeHGlobal(block); }
    }

    [Fact]
    public void Resident_and_peak_are_positive_and_ordered()
    {
        long resident = ProcessMemory.Resident;
        Assert.True(resident > 10 << 20, $"resident {resident}");
        Assert.True(ProcessMemory.Peak >= resident / 2, "peak below the resident size");
    }

    [Fact]
    public void The_peak_after_a_reset_covers_memory_touched_and_freed_since()
    {
        long before = ProcessMemory.Resident;
        bool reset = ProcessMemory.ResetPeak();
        Assert.Equal(OperatingSystem.IsLinux(), reset);
        TouchAndFree();
        // Other tests run beside this one and may free memory meanwhile, so allow some slack below the full block.
        Assert.True(ProcessMemory.Peak >= before + Size * 3 / 4, $"peak {ProcessMemory.Peak} after touching {Size} from {before}");
    }
}
