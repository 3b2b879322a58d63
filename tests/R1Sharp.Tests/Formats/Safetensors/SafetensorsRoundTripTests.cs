// Writer ↔ reader round trips for every dtype, scalars, zero-sized shapes and metadata; Rust-identical layout
// (descending dtype alignment then name, space padding to 8); atomic writes. Layout: huggingface/safetensors tensor.rs.
using System.Buffers.Binary;
using System.Text;
using R1Sharp.Formats.Safetensors;

namespace R1Sharp.Tests.Formats.Safetensors;

public class SafetensorsRoundTripTests
{
    [Fact]
    public void Dtype_strings_parse_and_format_for_every_dtype()
    {
        Assert.Equal(22, SafetensorsDTypes.All.Count);
        foreach (var d in SafetensorsDTypes.All)
        {
            Assert.Equal(d.ToString(), d.ToHeaderString());
            Assert.True(SafetensorsDTypes.TryParse(d.ToHeaderString(), out var back));
            Assert.Equal(d, back);
        }
        Assert.False(SafetensorsDTypes.TryParse("bf16", out _));
        Assert.Throws<R1SharpException>(() => SafetensorsDTypes.Parse("Q4_0"));
    }

    [Theory]
    [InlineData(SafetensorsDType.F4, 4)]
    [InlineData(SafetensorsDType.F6_E2M3, 6)]
    [InlineData(SafetensorsDType.F6_E3M2, 6)]
    [InlineData(SafetensorsDType.BOOL, 8)]
    [InlineData(SafetensorsDType.F8_E8M0, 8)]
    [InlineData(SafetensorsDType.F8_E5M2FNUZ, 8)]
    [InlineData(SafetensorsDType.BF16, 16)]
    [InlineData(SafetensorsDType.U32, 32)]
    [InlineData(SafetensorsDType.C64, 64)]
    [InlineData(SafetensorsDType.U64, 64)]
    public void Bit_sizes_match_the_rust_crate(SafetensorsDType d, int bits) => Assert.Equal(bits, d.BitSize());

    [Fact]
    public void Byte_sizes_follow_the_bits_rule()
    {
        Assert.Equal(3, SafetensorsDType.F6_E3M2.ByteSize([4]));      // 24 bits
        Assert.Equal(1, SafetensorsDType.F4.ByteSize([2]));
        Assert.Equal(8, SafetensorsDType.C64.ByteSize([]));          // scalar
        Assert.Equal(0, SafetensorsDType.F64.ByteSize([5, 0]));
        Assert.Throws<R1SharpException>(() => SafetensorsDType.F4.ByteSize([]));        // 4 bits
        Assert.Throws<R1SharpException>(() => SafetensorsDType.F32.ByteSize([-1]));
        Assert.Throws<R1SharpException>(() => SafetensorsDType.F32.ByteSize([1L << 40, 1L << 40]));
    }

    /// <summary>A shape with a whole number of bytes for the dtype: 8 elements always qualify.</summary>
    public static TheoryData<SafetensorsDType> AllDTypes() => new(SafetensorsDTypes.All);

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Every_dtype_round_trips_with_plain_zero_sized_and_scalar_shapes(SafetensorsDType d)
    {
        var rng = new Random((int)d + 1);
        var shapes = new List<long[]> { new long[] { 2, 4 }, new long[] { 0 }, new long[] { 3, 0, 2 } };
        if (d.BitSize() % 8 == 0) shapes.Add([]);
        var entries = new List<SafetensorsEntry>();
        var expected = new Dictionary<string, byte[]>();
        for (int i = 0; i < shapes.Count; i++)
        {
            var data = new byte[d.ByteSize(shapes[i])];
            rng.NextBytes(data);
            string name = $"t{i}";
            expected[name] = data;
            entries.Add(i % 2 == 0 ? SafetensorsEntry.FromBytes(name, d, shapes[i], data)
                                   : SafetensorsEntry.FromStream(name, d, shapes[i], s => s.Write(data)));
        }
        using var dir = new TempDir();
        string path = dir.File("rt.safetensors");
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };
        SafetensorsWriter.Write(path, entries, meta);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(meta, f.Metadata);
        Assert.Equal(shapes.Count, f.Tensors.Count);
        for (int i = 0; i < shapes.Count; i++)
        {
            var info = f.Tensors[$"t{i}"];
            Assert.Equal(d, info.DType);
            Assert.Equal(shapes[i], info.Shape);
            Assert.Equal(expected[$"t{i}"], f.GetBytes($"t{i}").ToArray());
        }
        Assert.Equal(0, (f.DataStart - 8) % 8);
    }

    [Fact]
    public void Header_is_byte_identical_to_the_rust_writer_layout()
    {
        using var dir = new TempDir();
        string path = dir.File("x.safetensors");
        SafetensorsWriter.Write(path,
            [
                SafetensorsEntry.FromBytes("b", SafetensorsDType.U8, [1], new byte[] { 9 }),
                SafetensorsEntry.FromFloat32("a", [1f, 2f], [2]),
                SafetensorsEntry.FromBytes("c", SafetensorsDType.F32, [1], BitConverter.GetBytes(3f)),
            ],
            new Dictionary<string, string> { ["format"] = "pt" });
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        // serde_json output of the Rust `prepare`: F32 tensors (higher alignment) first, then by name; U8 last.
        string json = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"c":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"b":{"dtype":"U8","shape":[1],"data_offsets":[12,13]}}""";
        Assert.Equal(json + new string(' ', (int)n - json.Length), header);
        Assert.Equal(0UL, n % 8);
        Assert.True((int)n - json.Length < 8);
        Assert.Equal(8 + (int)n + 13, bytes.Length);
        Assert.Equal(9, bytes[^1]);
    }

    [Fact]
    public void Names_sort_by_utf8_bytes_like_rust_strings()
    {
        // U+FF21 (3 UTF-8 bytes, 0xEF..) sorts before U+1F600 (4 bytes, 0xF0..) in UTF-8, after it in UTF-16.
        string astral = "\U0001F600", bmp = "\uFF21";
        using var dir = new TempDir();
        string path = dir.File("u.safetensors");
        SafetensorsWriter.Write(path, [
            SafetensorsEntry.FromBytes(astral, SafetensorsDType.U8, [1], new byte[] { 1 }),
            SafetensorsEntry.FromBytes(bmp, SafetensorsDType.U8, [1], new byte[] { 2 })]);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(0, f.Tensors[bmp].DataOffset);
        Assert.Equal(1, f.Tensors[astral].DataOffset);
    }

    [Fact]
    public void Writer_rejects_duplicates_reserved_names_and_wrong_byte_counts()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.safetensors");
        var one = SafetensorsEntry.FromBytes("a", SafetensorsDType.U8, [1], new byte[1]);
        Assert.Contains("twice", Assert.Throws<R1SharpException>(() => SafetensorsWriter.Write(path, [one, one])).Message);
        Assert.Throws<R1SharpException>(() => SafetensorsWriter.Write(path, [SafetensorsEntry.FromBytes("__metadata__", SafetensorsDType.U8, [1], new byte[1])]));
        Assert.Throws<R1SharpException>(() => SafetensorsEntry.FromBytes("a", SafetensorsDType.F32, [2], new byte[7]));
        Assert.Throws<R1SharpException>(() => SafetensorsEntry.FromBytes("a", SafetensorsDType.F4, [3], new byte[2]));
        Assert.Throws<R1SharpException>(() => SafetensorsEntry.FromFloat32("a", new float[3], [2]));
        Assert.Throws<R1SharpException>(() => SafetensorsWriter.Write(path, [SafetensorsEntry.FromBytes("x\uD800", SafetensorsDType.U8, [1], new byte[1])]));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_and_no_temp_file()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsEntry.FromBytes("old", SafetensorsDType.U8, [1], new byte[] { 1 })]);
        byte[] before = File.ReadAllBytes(path);

        var shortWrite = SafetensorsEntry.FromStream("w", SafetensorsDType.F32, [4], s => s.Write(new byte[15]));
        var ex = Assert.Throws<R1SharpException>(() => SafetensorsWriter.Write(path, [shortWrite]));
        Assert.Contains("tensor 'w'", ex.Message);
        Assert.Contains("15 bytes", ex.Message);

        var throwing = SafetensorsEntry.FromStream("w", SafetensorsDType.F32, [4], s => throw new InvalidDataException("boom"));
        Assert.Throws<InvalidDataException>(() => SafetensorsWriter.Write(path, [throwing]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Stream_callbacks_cannot_seek_the_output()
    {
        using var dir = new TempDir();
        string path = dir.File("s.safetensors");
        var seeking = SafetensorsEntry.FromStream("w", SafetensorsDType.U8, [1], s => { s.Seek(0, SeekOrigin.Begin); s.WriteByte(1); });
        Assert.Throws<NotSupportedException>(() => SafetensorsWriter.Write(path, [seeking]));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Open_reads_only_the_header_so_a_huge_sparse_file_opens_instantly()
    {
        using var dir = new TempDir();
        string path = dir.File("big.safetensors");
        const long size = 4L << 30; // 4 GiB F32 tensor, written sparse: open must not touch its pages
        string json = $$$"""{"w":{"dtype":"F32","shape":[{{{size / 4}}}],"data_offsets":[0,{{{size}}}]}}""";
        var header = SafetensorsTestFiles.Raw(json, [], pad: true);
        using (var fs = new FileStream(path, FileMode.CreateNew))
        {
            fs.Write(header);
            fs.SetLength(header.Length + size);
        }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var f = SafetensorsFile.Open(path);
        Assert.True(sw.ElapsedMilliseconds < 1000, $"open took {sw.ElapsedMilliseconds} ms");
        Assert.Equal(size, f.Tensors["w"].ByteLength);
        Assert.Throws<R1SharpException>(() => f.GetBytes("w").Length); // over 2 GiB: one span cannot hold it
        Assert.Equal(new byte[16], f.GetBytes("w", size - 16, 16).ToArray());
    }
}
