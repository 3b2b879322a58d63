// One GGUF metadata value: a scalar, a string, or a typed array (arrays may nest, as the spec allows).
// Follows ggml-org/ggml docs/gguf.md (gguf_metadata_value_t).
namespace R1Sharp.Formats.Gguf;

/// <summary>
/// An immutable GGUF metadata value. Scalars are boxed .NET primitives (byte, sbyte, ushort, short, uint, int,
/// float, bool, string, ulong, long, double); arrays are the matching .NET array (e.g. <c>string[]</c> for an
/// array of strings) or <c>GgufValue[]</c> for an array of arrays.
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, GgufValueType elementType, object raw)
    {
        Type = type;
        ElementType = elementType;
        Raw = raw;
    }

    /// <summary>The value's type tag.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the element type tag; otherwise equal to <see cref="Type"/>.</summary>
    public GgufValueType ElementType { get; }

    /// <summary>The boxed primitive, string, or array.</summary>
    public object Raw { get; }

    /// <summary>Number of elements of an array; 1 for a scalar.</summary>
    public int Count => Raw is Array a && Type == GgufValueType.Array ? a.Length : 1;

    public static GgufValue From(byte v) => Scalar(v);
    public static GgufValue From(sbyte v) => Scalar(v);
    public static GgufValue From(ushort v) => Scalar(v);
    public static GgufValue From(short v) => Scalar(v);
    public static GgufValue From(uint v) => Scalar(v);
    public static GgufValue From(int v) => Scalar(v);
    public static GgufValue From(float v) => Scalar(v);
    public static GgufValue From(bool v) => Scalar(v);
    public static GgufValue From(string v) => Scalar(v ?? throw new ArgumentNullException(nameof(v)));
    public static GgufValue From(ulong v) => Scalar(v);
    public static GgufValue From(long v) => Scalar(v);
    public static GgufValue From(double v) => Scalar(v);

    private static GgufValue Scalar<T>(T v) where T : notnull
    {
        GgufValueType type = ElementTypeOf(typeof(T));
        return new(type, type, v);
    }

    /// <summary>
    /// An array value; <typeparamref name="T"/> must be one of the scalar types, string, or <see cref="GgufValue"/>
    /// (whose elements must then all be arrays). The array is kept, not copied.
    /// </summary>
    public static GgufValue FromArray<T>(T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        GgufValueType element = ElementTypeOf(typeof(T));
        if (values is GgufValue[] nested && nested.Any(v => v is null || v.Type != GgufValueType.Array))
            throw new ArgumentException("an array of GgufValue may hold only arrays (GGUF nested arrays)", nameof(values));
        if (values is string[] strings && strings.Any(s => s is null))
            throw new ArgumentException("an array of strings may not hold null", nameof(values));
        return new(GgufValueType.Array, element, values);
    }

    // The .NET type of each tag, indexed by tag (gguf.md's gguf_metadata_value_type order, 0-12); an array's elements
    // that are arrays themselves are GgufValues.
    private static readonly Type[] ClrTypes =
    [
        typeof(byte), typeof(sbyte), typeof(ushort), typeof(short), typeof(uint), typeof(int), typeof(float),
        typeof(bool), typeof(string), typeof(GgufValue), typeof(ulong), typeof(long), typeof(double),
    ];

    /// <summary>The element type tag for a .NET element type, e.g. int → Int32, string → String.</summary>
    public static GgufValueType ElementTypeOf(Type t)
    {
        int tag = Array.IndexOf(ClrTypes, t);
        return tag >= 0 ? (GgufValueType)tag : throw new ArgumentException($"{t.Name} is not a GGUF value type", nameof(t));
    }

    /// <summary>Byte size of a fixed-size scalar type, or 0 for String and Array.</summary>
    public static int ScalarSize(GgufValueType t) => t switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        _ => 0,
    };

    /// <summary>The scalar as <typeparamref name="T"/>, or null when the value is not exactly that type.</summary>
    public T? As<T>() where T : struct => Raw is T v ? v : null;

    /// <summary>The string, or null when the value is not a string.</summary>
    public string? AsString() => Raw as string;

    /// <summary>The array as <typeparamref name="T"/>[], or null when it is not an array of exactly that type.</summary>
    public T[]? AsArray<T>() => Type == GgufValueType.Array ? Raw as T[] : null;

    /// <summary>Any integer scalar widened to long (u64 above long.MaxValue gives null), else null.</summary>
    public long? AsInteger() => Raw switch
    {
        byte v => v, sbyte v => v, ushort v => v, short v => v, uint v => v, int v => v, long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => null,
    };

    /// <summary>A short human-readable rendering (arrays show their type, length and first elements).</summary>
    public override string ToString()
    {
        if (Type != GgufValueType.Array) return Raw is string s ? $"\"{s}\"" : Convert.ToString(Raw, System.Globalization.CultureInfo.InvariantCulture)!;
        var a = (Array)Raw;
        var head = a.Cast<object>().Take(8).Select(o => o is string s ? $"\"{s}\"" : o.ToString());
        return $"{ElementType}[{a.Length}] [{string.Join(", ", head)}{(a.Length > 8 ? ", ..." : "")}]";
    }
}
