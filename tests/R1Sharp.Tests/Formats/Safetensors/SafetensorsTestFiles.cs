// Helpers for safetensors tests: hand-assembled raw files, temp directories, rejection assertions.
// Raw files follow the layout of ARCHITECTURES.md §3 (u64 LE header size, UTF-8 JSON, data buffer).
using System.Buffers.Binary;
using System.Text;
using R1Sharp.Formats.Safetensors;

namespace R1Sharp.Tests.Formats.Safetensors;

internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "r1sharp-tests", "st-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

internal static class SafetensorsTestFiles
{
    public const string Label = "test.safetensors";

    /// <summary>8-byte LE size + header bytes (optionally space-padded to 8) + data.</summary>
    public static byte[] Raw(string headerJson, byte[] data, bool pad = false, ulong? sizeOverride = null) =>
        Raw(Encoding.UTF8.GetBytes(headerJson), data, pad, sizeOverride);

    public static byte[] Raw(byte[] header, byte[] data, bool pad = false, ulong? sizeOverride = null)
    {
        int padded = pad ? (header.Length + 7) / 8 * 8 : header.Length;
        var bytes = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, sizeOverride ?? (ulong)padded);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + padded);
        return bytes;
    }

    /// <summary>Asserts the bytes are rejected by both the in-memory and the mmap path with a one-line message.</summary>
    public static string AssertRejected(byte[] file, params string[] fragments)
    {
        var ex = Assert.Throws<R1SharpException>(() => SafetensorsFile.FromBytes(file, Label).Dispose());
        AssertMessage(ex.Message, Label, fragments);
        using var dir = new TempDir();
        string path = dir.File(Label);
        System.IO.File.WriteAllBytes(path, file);
        var ex2 = Assert.Throws<R1SharpException>(() => SafetensorsFile.Open(path).Dispose());
        AssertMessage(ex2.Message, path, fragments);
        return ex.Message;
    }

    public static void AssertMessage(string message, string file, params string[] fragments)
    {
        Assert.DoesNotContain('\n', message);
        Assert.Contains(file, message);
        foreach (string f in fragments) Assert.Contains(f, message);
    }

    /// <summary>Opens bytes through the mmap path (a temp file) and runs <paramref name="check"/>.</summary>
    public static void WithMapped(byte[] file, Action<SafetensorsFile> check)
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        System.IO.File.WriteAllBytes(path, file);
        using var f = SafetensorsFile.Open(path);
        check(f);
    }
}
