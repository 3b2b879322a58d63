// Appending whole records to a JSON Lines file (metrics.jsonl, completions.jsonl) so that a failing write (disk
// full, quota) never leaves a torn line: each record is one unbuffered write, and on failure the file is cut back.
using System.Text;

namespace R1Sharp.IO;

/// <summary>
/// Appends records, each one write of its UTF-8 bytes and newline, flushed. When a write fails the file is truncated
/// back to its length before the record and the error becomes a one-line <see cref="R1SharpException"/> naming the file.
/// </summary>
internal sealed class JsonlAppender : IDisposable
{
    private static readonly UTF8Encoding Utf8 = new(false);
    private readonly Stream _stream;

    /// <summary>The file appended to (named in errors).</summary>
    public string Path { get; }

    /// <summary>Opens (or creates) <paramref name="path"/> for appending; readers may read it meanwhile.</summary>
    public JsonlAppender(string path)
    {
        Path = path;
        try
        {
            // bufferSize 0: every Write is one write(2), so nothing is left in a buffer to be flushed again after a failure.
            _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
            _stream.Seek(0, SeekOrigin.End);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoErrors.Describe(e, "cannot open", path);
        }
    }

    /// <summary>Over any seekable, writable stream (tests inject faults this way).</summary>
    internal JsonlAppender(Stream stream, string path)
    {
        _stream = stream;
        Path = path;
        _stream.Seek(0, SeekOrigin.End);
    }

    /// <summary>Appends <paramref name="record"/> (one JSON value, no newline) and a newline.</summary>
    public void AppendLine(string record) => AppendText(record + "\n");

    /// <summary>Appends <paramref name="text"/> (whole lines, each ending in a newline) all or nothing.</summary>
    public void AppendText(string text)
    {
        byte[] bytes = Utf8.GetBytes(text);
        long before = _stream.Length;
        try
        {
            _stream.Position = before;
            _stream.Write(bytes);
            _stream.Flush();
        }
        catch (IOException e)
        {
            CutBack(before);
            throw IoErrors.Describe(e, "cannot append to", Path);
        }
    }

    /// <summary>Appends <paramref name="text"/> to <paramref name="path"/> all or nothing (see <see cref="AppendText(string)"/>).</summary>
    public static void AppendText(string path, string text)
    {
        using var appender = new JsonlAppender(path);
        appender.AppendText(text);
    }

    // Shrinking a file frees blocks, so it works on a full disk; if even that fails the torn tail stays for the
    // readers (AppendOnlyJsonl, MetricsLog.Read) to cut.
    private void CutBack(long length)
    {
        try
        {
            _stream.SetLength(length);
            _stream.Position = length;
        }
        catch (IOException) { }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        try { _stream.Dispose(); }
        catch (IOException) { } // nothing is buffered; a close error loses nothing already reported
    }
}
