// Randomized corruption of valid safetensors files (seeded, deterministic): every input must either open with all
// tensor spans inside the buffer (each read fully) or throw R1SharpException; nothing else, never a crash.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using R1Sharp.Formats.Safetensors;
using static R1Sharp.Tests.Formats.Safetensors.SafetensorsTestFiles;
using Xunit.Abstractions;

namespace R1Sharp.Tests.Formats.Safetensors;

public class SafetensorsCorruptionTests(ITestOutputHelper output)
{
    private const int Cases = 12_000;
    private const int MappedEvery = 40; // every 40th case goes through a real file and the mmap path

    [Fact]
    public void Twelve_thousand_corrupted_files_open_safely_or_throw_R1SharpException()
    {
        using var dir = new TempDir();
        int accepted = 0, rejected = 0;
        for (int i = 0; i < Cases; i++)
        {
            var rng = new Random(1234 + i);
            byte[] file = Mutate(Base(rng), rng);
            bool ok = i % MappedEvery == 0 ? CheckMapped(file, dir, i) : Check(() => SafetensorsFile.FromBytes(file, Label), file.Length, i);
            if (ok) accepted++; else rejected++;
        }
        output.WriteLine($"{Cases} cases: {accepted} opened and fully read, {rejected} rejected with R1SharpException");
        Assert.Equal(Cases, accepted + rejected);
        Assert.True(accepted > 300, $"only {accepted} mutated files were accepted; the generator is too destructive");
        Assert.True(rejected > Cases / 2, $"only {rejected} files were rejected; the mutations are too mild");
    }

    private static bool CheckMapped(byte[] file, TempDir dir, int i)
    {
        string path = dir.File($"c{i}.safetensors");
        File.WriteAllBytes(path, file);
        try { return Check(() => SafetensorsFile.Open(path), file.Length, i); }
        finally { File.Delete(path); }
    }

    /// <returns>true when the file opened (and every tensor was read), false when it was rejected.</returns>
    private static bool Check(Func<SafetensorsFile> open, long length, int i)
    {
        SafetensorsFile f;
        try { f = open(); }
        catch (R1SharpException ex)
        {
            Assert.False(ex.Message.Contains('\n'), $"case {i}: multi-line message");
            Assert.Contains("safetensors file", ex.Message);
            return false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"case {i}: {ex.GetType().Name} escaped Open: {ex.Message}");
            throw;
        }
        using (f)
        {
            long covered = 0;
            foreach (var (name, info) in f.Tensors)
            {
                long start = f.DataStart + info.DataOffset;
                Assert.True(start >= f.DataStart && start + info.ByteLength <= length, $"case {i}: tensor outside the file");
                var span = f.GetBytes(name);
                Assert.Equal(info.ByteLength, span.Length);
                int sum = 0;
                foreach (byte b in span) sum += b; // touch every byte
                covered += info.ByteLength + (sum & 0);
                if (SafetensorsConvert.CanConvertToSingle(info.DType)) Assert.Equal(info.ElementCount, f.ReadAsFloat32(name).Length);
            }
            Assert.Equal(length - f.DataStart, covered);
        }
        return true;
    }

    private static readonly SafetensorsDType[] DTypes = SafetensorsDTypes.All.ToArray();

    /// <summary>A valid file of 0-5 random tensors (byte-exact sizes, sub-byte types with even element counts).</summary>
    private static byte[] Base(Random rng)
    {
        var header = new JsonObject();
        if (rng.Next(3) == 0) header["__metadata__"] = new JsonObject { ["format"] = "pt", ["k"] = "v" };
        var data = new List<byte>();
        int count = rng.Next(6);
        for (int t = 0; t < count; t++)
        {
            var d = DTypes[rng.Next(DTypes.Length)];
            long[] shape = rng.Next(5) switch
            {
                0 => d.BitSize() % 8 == 0 ? [] : [8],
                1 => [rng.Next(3), 0],
                _ => [rng.Next(1, 4), 8],
            };
            int bytes = (int)d.ByteSize(shape);
            header[$"t{t}.w"] = new JsonObject
            {
                ["dtype"] = d.ToHeaderString(),
                ["shape"] = new JsonArray(shape.Select(x => (JsonNode)x).ToArray()),
                ["data_offsets"] = new JsonArray(data.Count, data.Count + bytes),
            };
            for (int k = 0; k < bytes; k++) data.Add((byte)rng.Next(256));
        }
        return Raw(header.ToJsonString(), data.ToArray(), pad: rng.Next(2) == 0);
    }

    private static byte[] Mutate(byte[] file, Random rng)
    {
        int rounds = rng.Next(8) == 0 ? 2 : 1;
        for (int r = 0; r < rounds; r++)
        {
            file = rng.Next(9) switch
            {
                0 => file[..rng.Next(file.Length + 1)],                       // truncation
                1 => FlipHeaderBits(file, rng),
                2 => OverwriteHeaderBytes(file, rng),
                3 => WithHeaderSize(file, rng),
                4 or 5 => EditJson(file, rng) ?? file,
                6 => DuplicateEntry(file, rng) ?? file,
                7 => ResizeData(file, rng),
                _ => file,                                                   // some stay valid
            };
        }
        return file;
    }

    private static (int N, int Header) Layout(byte[] file) =>
        file.Length < 8 ? (0, 0) : ((int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(file), (ulong)(file.Length - 8)), 8);

    private static byte[] FlipHeaderBits(byte[] file, Random rng)
    {
        var (n, at) = Layout(file);
        if (n == 0) return file;
        var copy = (byte[])file.Clone();
        for (int k = rng.Next(1, 5); k > 0; k--) copy[at + rng.Next(n)] ^= (byte)(1 << rng.Next(8));
        return copy;
    }

    private static readonly byte[] Nasty = "{}[]\",:0123456789-.e \\"u8.ToArray().Concat(new byte[] { 0x00, 0x80, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF5, 0xFF }).ToArray();

    private static byte[] OverwriteHeaderBytes(byte[] file, Random rng)
    {
        var (n, at) = Layout(file);
        if (n == 0) return file;
        var copy = (byte[])file.Clone();
        for (int k = rng.Next(1, 4); k > 0; k--) copy[at + rng.Next(n)] = Nasty[rng.Next(Nasty.Length)];
        return copy;
    }

    private static byte[] WithHeaderSize(byte[] file, Random rng)
    {
        if (file.Length < 8) return file;
        var copy = (byte[])file.Clone();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(copy);
        ulong[] choices = [ulong.MaxValue, 100_000_001, 100_000_000, (ulong)long.MaxValue + 1, n + 1, n - 1, n + 8, 0, (ulong)rng.NextInt64(), (ulong)(file.Length - 8)];
        BinaryPrimitives.WriteUInt64LittleEndian(copy, choices[rng.Next(choices.Length)]);
        return copy;
    }

    private static readonly JsonNode?[] Lies =
    [
        -1, 0, 1, 7, 8, 9, long.MaxValue, ulong.MaxValue, 1L << 62, 1.5, "8", null, true,
        new JsonArray(), new JsonObject(),
    ];

    private static JsonNode? Lie(Random rng) => Lies[rng.Next(Lies.Length)]?.DeepClone();

    /// <summary>Semantic edits of one entry: lying offsets, shapes, dtypes, wrong JSON types, missing fields.</summary>
    private static byte[]? EditJson(byte[] file, Random rng)
    {
        var (obj, data) = Split(file);
        if (obj is null) return null;
        var names = obj.Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();
        if (names.Count == 0) { obj["x"] = Lie(rng); return Raw(obj.ToJsonString(), data, rng.Next(2) == 0); }
        var entry = obj[names[rng.Next(names.Count)]] as JsonObject;
        if (entry is null) return null;
        string[] fields = ["dtype", "shape", "data_offsets"];
        string field = fields[rng.Next(3)];
        switch (rng.Next(6))
        {
            case 0: entry[field] = Lie(rng); break;
            case 1: entry.Remove(field); break;
            case 2: entry["dtype"] = rng.Next(2) == 0 ? DTypes[rng.Next(DTypes.Length)].ToHeaderString() : "F" + rng.Next(100); break;
            case 3: entry["shape"] = new JsonArray(Enumerable.Range(0, rng.Next(4)).Select(_ => Lie(rng) ?? 3).ToArray()); break;
            case 4:
                var off = entry["data_offsets"] as JsonArray;
                if (off is { Count: 2 }) off[rng.Next(2)] = (JsonNode)(long)((long?)off[0]?.GetValue<long>() + rng.Next(-9, 10) ?? 0);
                break;
            default: obj["__metadata__"] = rng.Next(2) == 0 ? Lie(rng) : new JsonObject { ["a"] = Lie(rng) }; break;
        }
        return Raw(obj.ToJsonString(), data, rng.Next(2) == 0);
    }

    /// <summary>Re-inserts an entry's text under the same key (JsonObject cannot hold duplicates).</summary>
    private static byte[]? DuplicateEntry(byte[] file, Random rng)
    {
        var (obj, data) = Split(file);
        var first = obj?.FirstOrDefault(kv => kv.Key != "__metadata__");
        if (obj is null || first?.Value is null) return null;
        string json = obj.ToJsonString();
        string dup = JsonValue.Create(first.Value.Key).ToJsonString() + ":" + first.Value.Value.ToJsonString() + ",";
        return Raw(json.Insert(1, dup), data, rng.Next(2) == 0);
    }

    private static byte[] ResizeData(byte[] file, Random rng)
    {
        int delta = rng.Next(-8, 9);
        if (delta >= 0) return file.Concat(new byte[delta]).ToArray();
        return file[..Math.Max(0, file.Length + delta)];
    }

    private static (JsonObject?, byte[]) Split(byte[] file)
    {
        if (file.Length < 8) return (null, []);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > (ulong)(file.Length - 8)) return (null, []);
        try
        {
            var node = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, (int)n)) as JsonObject;
            _ = node?.Count; // JsonObject parses lazily; duplicates from an earlier round surface here
            return (node, file[(8 + (int)n)..]);
        }
        catch (Exception)
        {
            return (null, []);
        }
    }
}
