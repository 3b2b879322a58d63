// Unicode NFC for the HF "NFC" normalizer. R1Sharp builds with InvariantGlobalization, where .NET's
// string.Normalize leaves non-ASCII text unchanged, so we call ICU's unorm2 (libicuuc) directly when needed.
using System.Runtime.InteropServices;
using System.Text;

namespace R1Sharp.Text;

/// <summary>NFC normalization that works whether or not the process runs in globalization-invariant mode.</summary>
internal static unsafe class Nfc
{
    private static readonly Lazy<Func<string, string>?> Impl = new(Create);

    /// <summary>True when NFC is available (the runtime's normalization works, or ICU's libicuuc loads).</summary>
    public static bool IsAvailable => Impl.Value is not null;

    /// <summary>The NFC form of <paramref name="text"/>; text below U+0300 is returned as is.</summary>
    public static ReadOnlySpan<char> Normalize(ReadOnlySpan<char> text)
    {
        if (text.IndexOfAnyExceptInRange('\0', '\u02FF') < 0) return text; // nothing there composes or decomposes
        var impl = Impl.Value ?? throw new R1SharpException(
            "tokenizer.json: the NFC normalizer needs ICU (libicuuc) when the process runs with InvariantGlobalization; install libicu");
        return impl(text.ToString());
    }

    private static Func<string, string>? Create()
    {
        if ("e\u0301".Normalize(NormalizationForm.FormC) == "\u00e9") return s => s.Normalize(NormalizationForm.FormC);
        for (int version = 90; version >= 50; version--)
        {
            if (!NativeLibrary.TryLoad($"libicuuc.so.{version}", out IntPtr lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, $"unorm2_getNFCInstance_{version}", out IntPtr getNfc) ||
                !NativeLibrary.TryGetExport(lib, $"unorm2_normalize_{version}", out IntPtr normalize)) continue;
            int error = 0;
            IntPtr nfc = ((delegate* unmanaged<int*, IntPtr>)getNfc)(&error);
            if (error > 0 || nfc == IntPtr.Zero) continue;
            var fn = (delegate* unmanaged<IntPtr, char*, int, char*, int, int*, int>)normalize;
            return s => Icu(fn, nfc, s);
        }
        return null;
    }

    private static string Icu(delegate* unmanaged<IntPtr, char*, int, char*, int, int*, int> normalize, IntPtr nfc, string s)
    {
        // NFC output is at most 3x the input (Unicode stability policy); try the input length first.
        int capacity = s.Length + 16;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            char[] dest = new char[capacity];
            int error = 0, length;
            fixed (char* src = s)
            fixed (char* dst = dest)
                length = normalize(nfc, src, s.Length, dst, capacity, &error);
            if (error <= 0) return new string(dest, 0, length);
            capacity = Math.Max(length, s.Length * 3) + 16; // U_BUFFER_OVERFLOW_ERROR: retry with the reported size
        }
        throw new InvalidOperationException("ICU unorm2_normalize failed");
    }
}
