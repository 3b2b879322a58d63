// Writes safetensors files atomically, laid out like the Rust writer (huggingface/safetensors tensor.rs
// `prepare`): tensors by descending dtype alignment then name, header padded with spaces to a multiple of 8.
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

using R1Sharp.IO;

namespace R1Sharp.Formats.Safetensors;

/// <summary>Writes single and sharded safetensors files. Every file appears whole or not at all.</summary>
public static partial class SafetensorsWriter
{
    private static readonly JsonWriterOptions HeaderJson = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keep names readable, as serde_json does
        Indented = false,
    };

    /// <summary>
    /// Writes <paramref name="entries"/> (and optional <c>__metadata__</c>) to <paramref name="path"/> through a
    /// temporary file in the same directory that is renamed into place; on any failure the temporary file is
    /// deleted and an existing file at <paramref name="path"/> is left untouched.
    /// </summary>
    public static void Write(string path, IEnumerable<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(entries);
        var ordered = Order(entries, path);
        byte[] header = BuildHeader(ordered, metadata, path);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var e in ordered) e.WriteTo(stream, path);
        });
    }

    /// <summary>Rust order: descending dtype alignment, then name by UTF-8 bytes; rejects duplicate and reserved names.</summary>
    internal static List<SafetensorsEntry> Order(IEnumerable<SafetensorsEntry> entries, string path)
    {
        var list = new List<SafetensorsEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            ArgumentNullException.ThrowIfNull(e);
            if (e.Name == "__metadata__")
                throw SafetensorsText.TensorError(path, e.Name, "is a reserved key and cannot name a tensor");
            if (!IsValidUtf16(e.Name))
                throw SafetensorsText.TensorError(path, e.Name, "name contains an unpaired surrogate and cannot be written as UTF-8");
            if (!names.Add(e.Name))
                throw SafetensorsText.TensorError(path, e.Name, "is given twice (duplicate names are not allowed)");
            list.Add(e);
        }
        list.Sort(static (a, b) => a.DType != b.DType ? b.DType.CompareTo(a.DType) : CompareUtf8(a.Name, b.Name));
        return list;
    }

    /// <summary>Orders strings by their UTF-8 bytes (Rust's String order), which differs from UTF-16 order above U+D7FF.</summary>
    private static int CompareUtf8(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            bool ha = ea.MoveNext(), hb = eb.MoveNext();
            if (!ha || !hb) return ha.CompareTo(hb);
            int c = ea.Current.Value.CompareTo(eb.Current.Value); // code point order equals UTF-8 byte order
            if (c != 0) return c;
        }
    }

    private static bool IsValidUtf16(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (!char.IsSurrogate(s[i])) continue;
            if (!char.IsHighSurrogate(s[i]) || i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1])) return false;
            i++;
        }
        return true;
    }

    /// <summary>The JSON header, space-padded to a multiple of 8 bytes like the Rust writer.</summary>
    internal static byte[] BuildHeader(List<SafetensorsEntry> ordered, IReadOnlyDictionary<string, string>? metadata, string path)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + 96 * ordered.Count);
        using (var w = new Utf8JsonWriter(buffer, HeaderJson))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (!IsValidUtf16(k) || v is null || !IsValidUtf16(v))
                        throw SafetensorsText.HeaderError(path, $"metadata entry {SafetensorsText.Quote(k)} is null or not valid Unicode");
                    w.WriteString(k, v);
                }
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var e in ordered)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", e.DType.ToHeaderString());
                w.WriteStartArray("shape");
                foreach (long d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset = checked(offset + e.ByteLength);
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        if (padded > SafetensorsHeader.MaxHeaderSize)
            throw SafetensorsText.HeaderError(path, $"would be {padded} bytes, over the {SafetensorsHeader.MaxHeaderSize}-byte limit readers accept");
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}

