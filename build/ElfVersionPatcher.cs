// Marks the GLIBCXX_3.4.32 version requirement of libLibTorchSharp.so weak (ELF .gnu.version_r,
// Vernaux.vna_flags |= VER_FLG_WEAK); see TorchSharpNativeFix.targets and DESIGN.md "Platform facts".
// One file, two users: MSBuild compiles it as an inline task (the class below, after every build and publish, and in
// the R1Sharp package's buildTransitive/), and the R1Sharp library compiles the ElfGlibcxxRequirement part with
// R1SHARP_LIBRARY defined (R1Sharp.IO.TorchNativeFix: ProjectReference consumers, at first use).
using System;
using System.IO;
using System.Text;
#if !R1SHARP_LIBRARY
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class R1SharpWeakenGlibcxxRequirement : Task
{
    [Required] public string[] Directories { get; set; } = Array.Empty<string>();

    public override bool Execute()
    {
        foreach (var dir in Directories)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var path in Directory.EnumerateFiles(dir, R1Sharp.IO.ElfGlibcxxRequirement.LibraryName, SearchOption.AllDirectories))
            {
                try
                {
                    var result = R1Sharp.IO.ElfGlibcxxRequirement.PatchFile(path);
                    Log.LogMessage(MessageImportance.Low, $"{path}: {result}");
                }
                catch (Exception e)
                {
                    Log.LogError($"{path}: cannot weaken {R1Sharp.IO.ElfGlibcxxRequirement.Version} requirement: {e.Message}");
                }
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif

namespace R1Sharp.IO
{
    /// <summary>The GLIBCXX_3.4.32 requirement of TorchSharp's native library, made weak in place.</summary>
    internal static class ElfGlibcxxRequirement
    {
        public const string LibraryName = "libLibTorchSharp.so";
        public const string Version = "GLIBCXX_3.4.32";
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;

        /// <summary>Patches the file if needed; returns "patched", "already weak" or "no requirement". The patched copy
        /// replaces the file under a new inode, so processes that map the old one keep it.</summary>
        public static string PatchFile(string path)
        {
            byte[] elf = File.ReadAllBytes(path);
            string result = Weaken(elf);
            if (result != "patched") return result;
            string tmp = $"{path}.{Guid.NewGuid():N}.r1tmp";
            File.WriteAllBytes(tmp, elf);
#if R1SHARP_LIBRARY
            File.Move(tmp, path, overwrite: true); // rename(2): the path never goes missing
#else
            File.Delete(path);
            File.Move(tmp, path);
#endif
            return result;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the <see cref="Version"/> entry of the version-needed section of an ELF64 little-endian
        /// image, in <paramref name="elf"/> itself: "patched" (two bytes of vna_flags changed), "already weak", or "no
        /// requirement" (no such entry). Throws <see cref="InvalidDataException"/> for anything not ELF64 LE.
        /// </summary>
        public static string Weaken(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a little-endian ELF64 file");

            ulong shoff = U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long sh = checked((long)shoff + (long)i * shentsize);
                if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
                long secOff = (long)U64(elf, sh + 0x18);
                uint link = U32(elf, sh + 0x28);
                long strOff = (long)U64(elf, checked((long)shoff + link * shentsize) + 0x18);
                long need = secOff;
                while (true)
                {
                    int cnt = U16(elf, need + 2);
                    long aux = need + U32(elf, need + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        string name = CString(elf, strOff + U32(elf, aux + 8));
                        if (name == Version)
                        {
                            int flags = U16(elf, aux + 4);
                            if ((flags & VerFlgWeak) != 0) return "already weak";
                            flags |= VerFlgWeak;
                            elf[aux + 4] = (byte)flags;
                            elf[aux + 5] = (byte)(flags >> 8);
                            return "patched";
                        }
                        uint next = U32(elf, aux + 12);
                        if (next == 0) break;
                        aux += next;
                    }
                    uint nextNeed = U32(elf, need + 12);
                    if (nextNeed == 0) break;
                    need += nextNeed;
                }
            }
            return "no requirement";
        }

        static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, checked((int)o));
        static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, checked((int)o));
        static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, checked((int)o));
        static string CString(byte[] b, long o)
        {
            int start = checked((int)o), end = Array.IndexOf(b, (byte)0, start);
            return Encoding.ASCII.GetString(b, start, end - start);
        }
    }
}
