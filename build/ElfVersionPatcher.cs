// MSBuild task: marks the GLIBCXX_3.4.32 version requirement of libLibTorchSharp.so weak
// (ELF .gnu.version_r, Vernaux.vna_flags |= VER_FLG_WEAK). See TorchSharpNativeFix.targets.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class R1SharpWeakenGlibcxxRequirement : Task
{
    [Required] public string[] Directories { get; set; } = Array.Empty<string>();

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;
    const string Version = "GLIBCXX_3.4.32";

    public override bool Execute()
    {
        foreach (var dir in Directories)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var path in Directory.EnumerateFiles(dir, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                try
                {
                    var result = Patch(path);
                    Log.LogMessage(MessageImportance.Low, $"{path}: {result}");
                }
                catch (Exception e)
                {
                    Log.LogError($"{path}: cannot weaken {Version} requirement: {e.Message}");
                }
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>Returns what was done: "patched", "already weak" or "no requirement".</summary>
    static string Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
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
                        string tmp = path + ".r1tmp";
                        File.WriteAllBytes(tmp, elf);
                        File.Delete(path); // a new inode: processes that map the old file keep it
                        File.Move(tmp, path);
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
