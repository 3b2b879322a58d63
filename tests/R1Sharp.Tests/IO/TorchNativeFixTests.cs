// The GLIBCXX_3.4.32 patch (build/ElfVersionPatcher.cs, compiled into the library too) on real ELF files: TorchSharp's
// own libLibTorchSharp.so from the NuGet cache (read, never written) and the .NET runtime's libSystem.Native.so.
using R1Sharp.IO;

namespace R1Sharp.Tests.IO;

public sealed class TorchNativeFixTests
{
    static string CachedTorchSharpLibrary
    {
        get
        {
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(cache, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    [Fact]
    public void Weaken_changes_one_byte_the_vna_flags_of_the_GLIBCXX_3_4_32_entry()
    {
        byte[] original = File.ReadAllBytes(CachedTorchSharpLibrary);
        byte[] elf = (byte[])original.Clone();

        Assert.Equal("patched", ElfGlibcxxRequirement.Weaken(elf));

        // readelf -V: .gnu.version_r at file offset 0x3f8f0; its entry "0x0140: Name: GLIBCXX_3.4.32 Flags: none";
        // vna_flags is 4 bytes into a Vernaux entry: 0x3f8f0 + 0x140 + 4 = 0x3fa34, 0 -> VER_FLG_WEAK (2).
        var changed = Enumerable.Range(0, elf.Length).Where(i => elf[i] != original[i]).ToArray();
        Assert.Equal([0x3fa34], changed);
        Assert.Equal((0, 2), (original[0x3fa34], elf[0x3fa34]));
        Assert.Equal("already weak", ElfGlibcxxRequirement.Weaken(elf));
    }

    [Fact]
    public void Weaken_leaves_a_library_without_the_requirement_alone_and_refuses_non_ELF_bytes()
    {
        string native = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "libSystem.Native.so");
        byte[] elf = File.ReadAllBytes(native);
        byte[] copy = (byte[])elf.Clone();
        Assert.Equal("no requirement", ElfGlibcxxRequirement.Weaken(copy));
        Assert.Equal(elf, copy);

        var e = Assert.Throws<InvalidDataException>(() => ElfGlibcxxRequirement.Weaken(new byte[64]));
        Assert.Equal("not an ELF file", e.Message);
    }

    [Fact]
    public void Apply_patches_the_app_directory_copies_once_and_leaves_no_temporary_file()
    {
        string app = Directory.CreateTempSubdirectory("r1-nativefix-").FullName;
        string nested = Path.Combine(app, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Directory.CreateDirectory(Path.GetDirectoryName(nested)!);
        File.Copy(CachedTorchSharpLibrary, nested);
        File.Copy(CachedTorchSharpLibrary, Path.Combine(app, "libLibTorchSharp.so"));

        Assert.Equal(["patched", "patched"], TorchNativeFix.Apply(app).Select(r => r.Result));
        Assert.Equal(["already weak", "already weak"], TorchNativeFix.Apply(app).Select(r => r.Result));
        Assert.Empty(Directory.GetFiles(app, "*.r1tmp", SearchOption.AllDirectories));
        Assert.Empty(TorchNativeFix.Apply(Path.Combine(app, "runtimes")));
        Directory.Delete(app, recursive: true);
    }
}
