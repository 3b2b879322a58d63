// One tensor's entry in a safetensors header (name, dtype, shape, where its bytes are).
// Offsets follow the spec (ARCHITECTURES.md §3): relative to the start of the data buffer at byte 8+N.
namespace R1Sharp.Formats.Safetensors;

/// <summary>
/// A validated tensor entry of a safetensors header. <see cref="DataOffset"/> is relative to the data buffer
/// (the header's <c>data_offsets[0]</c>); add <see cref="SafetensorsFile.DataStart"/> for the absolute file
/// offset. <see cref="Shape"/> is C order; an empty shape is a scalar.
/// </summary>
public sealed record SafetensorsTensorInfo(
    string Name, SafetensorsDType DType, long[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>Number of elements (1 for a scalar, 0 when any dim is 0).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n = checked(n * d);
            return n;
        }
    }

    /// <summary>Shape written as in the header, e.g. <c>[2, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
