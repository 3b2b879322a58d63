// Base of the forward-only streams handed to tensor-writing callbacks (safetensors, GGUF): they count what
// is written and refuse reads and seeks, so a callback can neither rewind nor read back the file.
namespace R1Sharp.IO;

/// <summary>A forward-only, write-only stream; subclasses implement <see cref="Write(ReadOnlySpan{byte})"/> and count.</summary>
internal abstract class WriteOnlyStream : Stream
{
    /// <summary>Bytes written so far.</summary>
    public long Written { get; protected set; }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void WriteByte(byte value) => Write([value]);
    public abstract override void Write(ReadOnlySpan<byte> buffer);
}
