// HfTokenizer: loading from a model directory, decoding, and the incremental (streaming) decoder.
// Decode follows transformers.js decode_single + ByteLevelDecoder (added tokens verbatim, byte runs as UTF-8).
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace R1Sharp.Text;

public sealed partial class HfTokenizer
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Loads <c>tokenizer.json</c> and, if present, <c>tokenizer_config.json</c> from a model directory; when
    /// <paramref name="modelDirectory"/> is a file, the tokenizer of that GGUF file (<see cref="GgufTokenizerFiles"/>).
    /// </summary>
    /// <exception cref="R1SharpException">A file is missing or unreadable, or a field is missing or unsupported.</exception>
    public static HfTokenizer Load(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (File.Exists(modelDirectory))
        {
            var gguf = GgufTokenizerFiles.Read(modelDirectory);
            return new HfTokenizer(HfTokenizerConfig.Parse(gguf.TokenizerJson, gguf.TokenizerConfigJson, modelDirectory, modelDirectory));
        }
        string jsonPath = Path.Combine(modelDirectory, "tokenizer.json");
        string configPath = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (!File.Exists(jsonPath))
            throw new R1SharpException($"{jsonPath}: file not found; a model directory needs a Hugging Face tokenizer.json");
        string json = ReadText(jsonPath);
        string? config = File.Exists(configPath) ? ReadText(configPath) : null;
        return new HfTokenizer(HfTokenizerConfig.Parse(json, config, jsonPath, configPath));
    }

    /// <summary>Creates a tokenizer from the text of tokenizer.json and (optionally) tokenizer_config.json.</summary>
    /// <exception cref="R1SharpException">Bad JSON, or a field is missing or unsupported.</exception>
    public static HfTokenizer FromJson(string tokenizerJson, string? tokenizerConfigJson)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        return new HfTokenizer(HfTokenizerConfig.Parse(tokenizerJson, tokenizerConfigJson, "tokenizer.json", "tokenizer_config.json"));
    }

    private static string ReadText(string path)
    {
        try { return File.ReadAllText(path, Encoding.UTF8); }
        catch (IOException e) { throw new R1SharpException($"{path}: cannot read file: {e.Message}", e); }
        catch (UnauthorizedAccessException e) { throw new R1SharpException($"{path}: cannot read file: {e.Message}", e); }
    }

    /// <summary>
    /// Decodes ids to text. Added tokens are written verbatim; runs of other tokens are decoded as UTF-8, invalid
    /// bytes becoming U+FFFD. Ids without a token are skipped. With <paramref name="skipSpecialTokens"/>, special
    /// tokens are dropped.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var text = new StringBuilder(ids.Length * 4);
        byte[] run = ArrayPool<byte>.Shared.Rent(Math.Max(64, ids.Length * 8));
        int runLength = 0;
        try
        {
            foreach (int id in ids)
            {
                if ((uint)id >= (uint)_tokens.Length || _tokens[id] is null) continue;
                if (skipSpecialTokens && _skipOnDecode[id]) continue;
                if (_addedContentById[id] is string content)
                {
                    FlushRun(text, run, ref runLength);
                    text.Append(content);
                    continue;
                }
                var bytes = TokenBytes(id);
                if (runLength + bytes.Length > run.Length) Grow(ref run, runLength + bytes.Length);
                bytes.CopyTo(run.AsSpan(runLength));
                runLength += bytes.Length;
            }
            FlushRun(text, run, ref runLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(run);
        }
        string result = text.ToString();
        return CleanUpTokenizationSpaces ? CleanUp(result) : result;
    }

    /// <summary>Starts an incremental decoder: feed ids as they are generated, get text deltas back.</summary>
    public HfStreamDecoder CreateStreamDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    internal ReadOnlySpan<byte> TokenBytes(int id) => _tokenBytes.AsSpan(_tokenByteOffsets[id], _tokenByteOffsets[id + 1] - _tokenByteOffsets[id]);

    internal bool IsKnown(int id) => (uint)id < (uint)_tokens.Length && _tokens[id] is not null;

    internal bool IsSkippedSpecial(int id) => _skipOnDecode[id];

    internal string? AddedContent(int id) => _addedContentById[id];

    private static void FlushRun(StringBuilder text, byte[] run, ref int runLength)
    {
        if (runLength == 0) return;
        text.Append(Utf8.GetString(run, 0, runLength));
        runLength = 0;
    }

    private static void Grow(ref byte[] buffer, int needed)
    {
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.CopyTo(bigger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = bigger;
    }

    // transformers.js clean_up_tokenization: simple English tokenization artifacts.
    private static string CleanUp(string text) => text
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");
}

/// <summary>
/// Incremental decoder of one id stream: <see cref="Push(int)"/> returns the text completed by each id and
/// never splits a UTF-8 character (incomplete byte sequences are held back); <see cref="Flush"/> ends the
/// stream, turning a dangling incomplete sequence into U+FFFD. The concatenated deltas equal
/// <see cref="HfTokenizer.Decode"/> of all ids (when <see cref="HfTokenizer.CleanUpTokenizationSpaces"/> is off).
/// </summary>
public sealed class HfStreamDecoder
{
    private readonly HfTokenizer _tokenizer;
    private readonly bool _skipSpecial;
    private readonly Decoder _utf8 = new UTF8Encoding(false, false).GetDecoder();
    private char[] _chars = new char[64];

    internal HfStreamDecoder(HfTokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecial = skipSpecialTokens;
    }

    /// <summary>Adds one id; returns the text it completes (possibly empty).</summary>
    public string Push(int id)
    {
        Span<int> one = [id];
        return Push(one);
    }

    /// <summary>Adds ids in order; returns the text they complete (possibly empty).</summary>
    public string Push(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            if (!_tokenizer.IsKnown(id) || (_skipSpecial && _tokenizer.IsSkippedSpecial(id))) continue;
            if (_tokenizer.AddedContent(id) is string content)
            {
                Convert([], flush: true, text);
                text.Append(content);
            }
            else
            {
                Convert(_tokenizer.TokenBytes(id), flush: false, text);
            }
        }
        return text.ToString();
    }

    /// <summary>Ends the stream: returns U+FFFD for a held-back incomplete sequence (or ""), and resets.</summary>
    public string Flush()
    {
        var text = new StringBuilder();
        Convert([], flush: true, text);
        return text.ToString();
    }

    private void Convert(ReadOnlySpan<byte> bytes, bool flush, StringBuilder text)
    {
        int needed = _utf8.GetCharCount(bytes, flush: false) + 4;
        if (_chars.Length < needed) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        int n = _utf8.GetChars(bytes, _chars, flush);
        text.Append(_chars, 0, n);
    }
}
