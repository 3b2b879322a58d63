// Writer and reader validation: every user-caused problem is one R1SharpException naming the item.
using R1Sharp.Formats.Gguf;
using static R1Sharp.Tests.Formats.Gguf.GgufLayoutTests;

namespace R1Sharp.Tests.Formats.Gguf;

public class GgufValidationTests
{
    private static byte[] SmallFile()
    {
        var w = new GgufWriter();
        w.AddString(GgufKeys.GeneralArchitecture, "qwen2");
        w.AddArray(GgufKeys.TokenizerTokens, new[] { "a", "bc" });
        w.AddArray("nested", new[] { GgufValue.FromArray(new[] { 1 }) });
        w.AddBool("flag", true);
        w.AddTensor("q", [2, 32], GgmlType.Q8_0, Enumerable.Range(0, 64).Select(i => i / 10f).ToArray());
        w.AddTensor("n", [3], GgmlType.F32, [1f, 2f, 3f]);
        return Bytes(w);
    }

    [Fact]
    public void Reader_rejects_a_truncation_at_every_byte_offset()
    {
        byte[] full = SmallFile();
        using (GgufFile ok = Parse(full)) Assert.Equal(2, ok.Tensors.Count);
        for (int len = 0; len < full.Length; len++)
        {
            var ex = Assert.Throws<R1SharpException>(() => Parse(full[..len]).Dispose());
            Assert.Contains("test.gguf", ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
        }
    }

    [Fact]
    public void Reader_survives_any_corrupted_byte_with_R1SharpException_or_a_valid_parse()
    {
        byte[] full = SmallFile();
        foreach (byte pattern in new byte[] { 0xFF, 0x00, 0x7F, 0x40 })
            for (int i = 0; i < full.Length; i++)
            {
                byte[] bad = (byte[])full.Clone();
                bad[i] ^= pattern == 0 ? (byte)1 : pattern;
                try
                {
                    using GgufFile f = Parse(bad);
                    foreach (GgufTensorInfo t in f.Tensors) _ = f.ReadTensorFloats(t);
                    foreach (var kv in f.Metadata) _ = kv.Value.ToString();
                }
                catch (R1SharpException) { }
            }
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(4, "version")]
    public void Reader_names_a_bad_header(int at, string word)
    {
        byte[] bad = SmallFile();
        bad[at] = 9;
        var ex = Assert.Throws<R1SharpException>(() => Parse(bad));
        Assert.Contains(word, ex.Message);
    }

    [Fact]
    public void Reader_reports_a_huge_array_count_without_allocating_it()
    {
        byte[] bad = SmallFile();
        // key 1 "tokenizer.ggml.tokens": header 24 + key0 (8+20+4+8+5 = 45) + key string (8+21) + type 4 + elem type 4
        int countAt = 24 + 45 + 29 + 4 + 4;
        Assert.Equal(2, bad[countAt]);
        BitConverter.GetBytes(ulong.MaxValue / 2).CopyTo(bad, countAt);
        var ex = Assert.Throws<R1SharpException>(() => Parse(bad));
        Assert.Contains("tokenizer.ggml.tokens", ex.Message);
    }

    [Fact]
    public void Typed_getters_name_the_key_and_the_types()
    {
        using GgufFile f = Parse(SmallFile());
        var ex = Assert.Throws<R1SharpException>(() => f.GetInteger(GgufKeys.GeneralArchitecture));
        Assert.Contains("general.architecture", ex.Message);
        Assert.Contains("String", ex.Message);
        Assert.Contains("missing", Assert.Throws<R1SharpException>(() => f.GetString("nope")).Message);
        Assert.Contains("'zz'", Assert.Throws<R1SharpException>(() => f.GetTensor("zz")).Message);
        Assert.Equal(["a", "bc"], f.GetArray<string>(GgufKeys.TokenizerTokens));
    }

    [Fact]
    public void Q8_0_refuses_rows_that_are_not_whole_blocks_and_names_the_tensor()
    {
        var w = new GgufWriter();
        var ex = Assert.Throws<R1SharpException>(() => w.AddTensor("blk.0.attn_q.weight", [4, 100], GgmlType.Q8_0, new float[400]));
        Assert.Contains("blk.0.attn_q.weight", ex.Message);
        Assert.Contains("F16", ex.Message);
        w.AddTensor("blk.0.attn_q.weight", [4, 100], GgmlTypes.WithFallback(GgmlType.Q8_0, 100), new float[400]);
        using GgufFile f = Parse(Bytes(w));
        Assert.Equal(GgmlType.F16, f.Tensors[0].Type);
    }

    [Fact]
    public void Writer_validates_names_shapes_and_keys()
    {
        var w = new GgufWriter();
        w.AddTensor("a", [1], GgmlType.F32, [0f]);
        Assert.Throws<R1SharpException>(() => w.AddTensor("a", [1], GgmlType.F32, [0f]));
        Assert.Throws<R1SharpException>(() => w.AddTensor(new string('x', 64), [1], GgmlType.F32, [0f]));
        w.AddTensor(new string('x', 63), [1], GgmlType.F32, [0f]);
        Assert.Throws<R1SharpException>(() => w.AddTensor("", [1], GgmlType.F32, [0f]));
        Assert.Throws<R1SharpException>(() => w.AddTensor("z", [2, 0], GgmlType.F32, []));
        Assert.Throws<R1SharpException>(() => w.AddTensor("z", [], GgmlType.F32, []));
        Assert.Throws<R1SharpException>(() => w.AddTensor("z", [1, 1, 1, 1, 1], GgmlType.F32, [0f]));
        Assert.Throws<R1SharpException>(() => w.AddTensor("z", [256], GgmlType.Q4_K, new float[256]));
        w.AddString("k", "v");
        Assert.Throws<R1SharpException>(() => w.AddString("k", "again"));
        Assert.Throws<R1SharpException>(() => w.AddUInt32(GgufKeys.GeneralAlignment, 48));
        Assert.Throws<R1SharpException>(() => w.AddInt32(GgufKeys.GeneralAlignment, 64));
        Assert.Equal(32, w.Alignment);
        Assert.Equal(2, w.TensorCount);
        Assert.Equal(1, w.MetadataCount);
    }

    [Fact]
    public void A_source_that_writes_the_wrong_count_fails_and_names_the_tensor()
    {
        var fewer = new GgufWriter();
        fewer.AddTensor("short", [2, 32], GgmlType.Q8_0, sink => sink.Write(new float[32]));
        Assert.Contains("'short'", Assert.Throws<R1SharpException>(() => Bytes(fewer)).Message);
        var more = new GgufWriter();
        more.AddTensor("long", [3], GgmlType.F16, sink => sink.Write(new float[4]));
        Assert.Contains("'long'", Assert.Throws<R1SharpException>(() => Bytes(more)).Message);
        var raw = new GgufWriter();
        raw.AddTensorBytes("raw", [4], GgmlType.F16, s => s.Write(new byte[7]));
        Assert.Contains("'raw'", Assert.Throws<R1SharpException>(() => Bytes(raw)).Message);
    }

    [Fact]
    public void Failed_write_keeps_the_old_file_and_leaves_no_temporary_file()
    {
        string dir = Directory.CreateTempSubdirectory("gguf-test").FullName;
        try
        {
            string path = Path.Combine(dir, "m.gguf");
            var good = new GgufWriter();
            good.AddTensor("x", [2], GgmlType.F32, [1f, 2f]);
            good.WriteTo(path);
            byte[] before = File.ReadAllBytes(path);

            var bad = new GgufWriter();
            bad.AddTensor("x", [2], GgmlType.F32, _ => throw new InvalidOperationException("source failed"));
            Assert.Throws<InvalidOperationException>(() => bad.WriteTo(path));
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(["m.gguf"], Directory.GetFiles(dir).Select(Path.GetFileName));

            using GgufFile f = GgufFile.Open(path);
            Assert.Equal([1f, 2f], f.ReadTensorFloats(f.GetTensor("x")));
            Assert.Throws<R1SharpException>(() => good.WriteTo(Path.Combine(dir, "missing-dir", "m.gguf")));
            Assert.Throws<R1SharpException>(() => GgufFile.Open(Path.Combine(dir, "absent.gguf")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
