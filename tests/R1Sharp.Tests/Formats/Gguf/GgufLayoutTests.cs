// Byte-exact GGUF v3 layout and round trips through GgufWriter and GgufFile (ggml docs/gguf.md).
using R1Sharp.Formats.Gguf;

namespace R1Sharp.Tests.Formats.Gguf;

public class GgufLayoutTests
{
    internal static byte[] Bytes(GgufWriter w)
    {
        using var ms = new MemoryStream();
        w.WriteTo(ms);
        return ms.ToArray();
    }

    internal static GgufFile Parse(byte[] bytes) => GgufFile.Read(new MemoryStream(bytes), "test.gguf");

    [Fact]
    public void Tiny_file_matches_hand_computed_bytes()
    {
        var w = new GgufWriter();
        w.AddUInt8("k", 0x2A);
        w.AddTensor("t", [2], GgmlType.F32, [1.0f, -2.0f]);

        byte[] expected =
        [
            0x47, 0x47, 0x55, 0x46,                         // magic "GGUF"
            3, 0, 0, 0,                                     // version 3
            1, 0, 0, 0, 0, 0, 0, 0,                         // tensor count
            1, 0, 0, 0, 0, 0, 0, 0,                         // kv count
            1, 0, 0, 0, 0, 0, 0, 0, (byte)'k',              // key "k"
            0, 0, 0, 0,                                     // type UINT8
            0x2A,                                           // value
            1, 0, 0, 0, 0, 0, 0, 0, (byte)'t',              // tensor name "t" (ends at 47)
            1, 0, 0, 0,                                     // n_dims
            2, 0, 0, 0, 0, 0, 0, 0,                         // ne[0]
            0, 0, 0, 0,                                     // GGML_TYPE_F32
            0, 0, 0, 0, 0, 0, 0, 0,                         // offset 0 (ends at 71)
            .. new byte[25],                                // pad to 96
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, // 1.0f, -2.0f
            .. new byte[24],                                // pad the data to 128
        ];
        Assert.Equal(expected, Bytes(w));
    }

    [Fact]
    public void Every_value_type_round_trips_in_order()
    {
        var w = new GgufWriter();
        w.AddUInt8("u8", 200); w.AddInt8("i8", -100); w.AddUInt16("u16", 60000); w.AddInt16("i16", -30000);
        w.AddUInt32("u32", 4_000_000_000); w.AddInt32("i32", -2_000_000_000); w.AddFloat32("f32", 1.5e-6f);
        w.AddBool("bool", true); w.AddString("str", "qwen2 ✓ 😀"); w.AddString("empty", "");
        w.AddUInt64("u64", ulong.MaxValue); w.AddInt64("i64", long.MinValue); w.AddFloat64("f64", Math.PI);
        w.AddArray("a.str", new[] { "a b", "", "Ġthe" });
        w.AddArray("a.i32", new[] { 1, -2, 3 });
        w.AddArray("a.f32", new[] { 0.5f, -1f });
        w.AddArray("a.bool", new[] { true, false });
        w.AddArray("a.u8", new byte[] { 1, 2 });
        w.AddArray("a.i8", new sbyte[] { -1 });
        w.AddArray("a.u16", new ushort[] { 65535 });
        w.AddArray("a.i16", new short[] { -5 });
        w.AddArray("a.u32", new uint[] { 7 });
        w.AddArray("a.u64", new ulong[] { 9 });
        w.AddArray("a.i64", new long[] { -9 });
        w.AddArray("a.f64", new double[] { 2.25 });
        w.AddArray("a.empty", Array.Empty<int>());
        w.AddArray("a.nested", new[] { GgufValue.FromArray(new[] { 1, 2 }), GgufValue.FromArray(new[] { "x" }) });

        using GgufFile f = Parse(Bytes(w));
        Assert.Equal(3u, f.Version);
        Assert.Equal(27, f.Metadata.Count);
        Assert.Equal(["u8", "i8", "u16", "i16"], f.Metadata.Take(4).Select(kv => kv.Key));
        Assert.Equal((byte)200, f.Get("u8").As<byte>());
        Assert.Equal((sbyte)-100, f.Get("i8").As<sbyte>());
        Assert.Equal((ushort)60000, f.Get("u16").As<ushort>());
        Assert.Equal((short)-30000, f.Get("i16").As<short>());
        Assert.Equal(4_000_000_000L, f.GetInteger("u32"));
        Assert.Equal(-2_000_000_000L, f.GetInteger("i32"));
        Assert.Equal(1.5e-6f, f.Get("f32").As<float>());
        Assert.True(f.GetBool("bool"));
        Assert.Equal("qwen2 ✓ 😀", f.GetString("str"));
        Assert.Equal("", f.GetString("empty"));
        Assert.Equal(ulong.MaxValue, f.Get("u64").As<ulong>());
        Assert.Equal(long.MinValue, f.GetInteger("i64"));
        Assert.Equal(Math.PI, f.GetFloat("f64"));
        Assert.Equal(["a b", "", "Ġthe"], f.GetArray<string>("a.str"));
        Assert.Equal([1, -2, 3], f.GetArray<int>("a.i32"));
        Assert.Equal([0.5f, -1f], f.GetArray<float>("a.f32"));
        Assert.Equal([true, false], f.GetArray<bool>("a.bool"));
        Assert.Equal([1, 2], f.GetArray<byte>("a.u8"));
        Assert.Equal([(sbyte)-1], f.GetArray<sbyte>("a.i8"));
        Assert.Equal([(ushort)65535], f.GetArray<ushort>("a.u16"));
        Assert.Equal([(short)-5], f.GetArray<short>("a.i16"));
        Assert.Equal([7u], f.GetArray<uint>("a.u32"));
        Assert.Equal([9ul], f.GetArray<ulong>("a.u64"));
        Assert.Equal([-9L], f.GetArray<long>("a.i64"));
        Assert.Equal([2.25], f.GetArray<double>("a.f64"));
        Assert.Empty(f.GetArray<int>("a.empty"));
        GgufValue[] nested = f.GetArray<GgufValue>("a.nested");
        Assert.Equal([1, 2], nested[0].AsArray<int>()!);
        Assert.Equal(["x"], nested[1].AsArray<string>()!);
    }

    [Fact]
    public void Every_tensor_type_round_trips_with_shapes_reversed()
    {
        var rng = new Random(7);
        float[] data = Enumerable.Range(0, 3 * 64).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var w = new GgufWriter();
        foreach (GgmlType t in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0 })
            w.AddTensor($"w.{t}", [3, 64], t, data);
        int[] ints = [1, -2, 3, 4];
        w.AddTensorBytes("raw.i32", [2, 2], GgmlType.I32, s => s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ints.AsSpan())));

        using GgufFile f = Parse(Bytes(w));
        Assert.Equal(6, f.Tensors.Count);
        foreach (GgmlType t in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0 })
        {
            GgufTensorInfo info = f.GetTensor($"w.{t}");
            Assert.Equal([64L, 3L], info.Dims);
            Assert.Equal([3L, 64L], info.TorchShape);
            Assert.Equal(t, info.Type);
            Assert.Equal(0, info.Offset % 32);
            var expectedBytes = new byte[GgmlTypes.ByteCount(t, info.Dims)];
            GgmlQuants.Encode(t, data, expectedBytes);
            Assert.Equal(expectedBytes, f.ReadTensorBytes(info));
            var expected = new float[data.Length];
            GgmlQuants.Decode(t, expectedBytes, expected);
            Assert.Equal(expected, f.ReadTensorFloats(info));
        }
        Assert.Equal(data, f.ReadTensorFloats(f.GetTensor("w.F32")));
        Assert.Equal(data.Select(x => (float)(Half)x), f.ReadTensorFloats(f.GetTensor("w.F16")));
        Assert.Equal(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ints.AsSpan()).ToArray(), f.ReadTensorBytes(f.GetTensor("raw.i32")));
    }

    [Fact]
    public void Streamed_chunks_of_any_size_give_the_same_bytes_as_one_write()
    {
        float[] data = Enumerable.Range(0, 4 * 96).Select(i => MathF.Sin(i)).ToArray();
        foreach (GgmlType t in new[] { GgmlType.Q8_0, GgmlType.F16, GgmlType.F32 })
        {
            var whole = new GgufWriter();
            whole.AddTensor("x", [4, 96], t, data);
            var chunked = new GgufWriter();
            chunked.AddTensor("x", [4, 96], t, sink =>
            {
                for (int i = 0; i < data.Length; i += 7) sink.Write(data.AsSpan(i, Math.Min(7, data.Length - i)));
            });
            Assert.Equal(Bytes(whole), Bytes(chunked));
        }
    }

    [Fact]
    public void Custom_alignment_is_honoured_for_the_data_section_and_every_tensor()
    {
        var w = new GgufWriter();
        w.AddUInt32(GgufKeys.GeneralAlignment, 64);
        w.AddTensor("a", [3], GgmlType.F32, [1f, 2f, 3f]);
        w.AddTensor("b", [32], GgmlType.Q8_0, new float[32]);
        byte[] bytes = Bytes(w);
        Assert.Equal(0, bytes.Length % 64);
        using GgufFile f = Parse(bytes);
        Assert.Equal(64, f.Alignment);
        Assert.Equal(0, f.DataOffset % 64);
        Assert.Equal(0L, f.GetTensor("a").Offset);
        Assert.Equal(64L, f.GetTensor("b").Offset);
        Assert.Equal(bytes.Length, f.DataOffset + 128);
        Assert.Equal([1f, 2f, 3f], f.ReadTensorFloats(f.GetTensor("a")));
        Assert.All(bytes[(int)(f.DataOffset + 12)..(int)(f.DataOffset + 64)], b => Assert.Equal(0, b));
    }
}
