// Hugging Face tokenizer.json byte-level BPE (DeepSeek-V3/R1, Qwen2/3, GPT-2 style) with transformers.js parity.
// Encode follows transformers.js PreTrainedTokenizer._encode_text; merges run on Microsoft.ML.Tokenizers' BpeTokenizer.
using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;

namespace R1Sharp.Text;

/// <summary>
/// A byte-level BPE tokenizer loaded from a Hugging Face model directory (<c>tokenizer.json</c> and
/// optionally <c>tokenizer_config.json</c>). Thread-safe: one instance can encode and decode on many threads.
/// </summary>
/// <remarks>
/// Encoding: added tokens (special or not) are found in the raw text first (leftmost, then longest), the text
/// between them is normalized (NFC if configured), split by the HF <c>Split</c> regexes and each piece is
/// merged by BPE; piece → ids results are cached. Example (Qwen3): <c>Encode("Hello world", false)</c> is
/// <c>[9707, 1879]</c>.
/// </remarks>
public sealed partial class HfTokenizer
{
    private const int MaxCachedPieceLength = 128;
    private const int MaxCacheEntries = 1 << 20;

    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int> _vocab;
    private readonly bool _ignoreMerges;
    private readonly bool _nfc;
    private readonly SplitPreTokenizer? _preTokenizer;
    private readonly AddedTokenMatcher _matcher;
    private readonly HfAddedToken[] _added;           // in tokenizer.json order (matcher indexes into it)
    private readonly Dictionary<string, int> _addedByContent;
    private readonly int[] _prefixIds, _suffixIds;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private readonly string?[] _tokens;               // by id: vocab token (byte-level form) or added content
    private readonly byte[] _tokenBytes;              // concatenated bytes of vocab tokens
    private readonly int[] _tokenByteOffsets;         // id → start in _tokenBytes (length VocabSize + 1)
    private readonly string?[] _addedContentById;     // id → content for added tokens
    private readonly bool[] _skipOnDecode;            // id → special (dropped when skipping special tokens)

    private HfTokenizer(HfTokenizerConfig c)
    {
        _vocab = c.Vocab;
        _ignoreMerges = c.IgnoreMerges;
        _nfc = c.Nfc;
        Merges = c.Merges;
        _preTokenizer = c.SplitPatterns.Count > 0 ? new SplitPreTokenizer(c.SplitPatterns) : null;
        _bpe = BpeTokenizer.Create(new BpeOptions(c.Vocab) { Merges = c.Merges, ByteLevel = true });
        _added = [.. c.AddedTokens];
        AddedTokens = _added;
        _addedByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in _added) _addedByContent[t.Content] = t.Id;
        _matcher = new AddedTokenMatcher([.. _added.Select(t => t.Content)]);
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();

        int size = Math.Max(c.Vocab.Count == 0 ? 0 : c.Vocab.Values.Max() + 1, _added.Length == 0 ? 0 : _added.Max(t => t.Id) + 1);
        VocabSize = size;
        _tokens = new string?[size];
        foreach (var (token, id) in c.Vocab) _tokens[id] = token;
        _addedContentById = new string?[size];
        _skipOnDecode = new bool[size];
        foreach (var t in _added)
        {
            _tokens[t.Id] = t.Content;
            _addedContentById[t.Id] = t.Content;
            _skipOnDecode[t.Id] = t.Special;
        }
        foreach (var extra in c.AdditionalSpecialTokens)
            if (TokenToId(extra) is int id) _skipOnDecode[id] = true;
        (_tokenBytes, _tokenByteOffsets) = BuildTokenBytes(_tokens, _addedContentById);

        BosToken = c.BosToken;
        EosToken = c.EosToken;
        BosId = BosToken is null ? null : TokenToId(BosToken);
        EosId = EosToken is null ? null : TokenToId(EosToken);
        PadId = c.PadToken is null ? null : TokenToId(c.PadToken);
        CleanUpTokenizationSpaces = c.CleanUpTokenizationSpaces;
        _prefixIds = [.. c.PrefixTokens.Select(t => c.TemplateTokenIds.TryGetValue(t, out int id) ? id : TokenToId(t) ?? -1).Where(id => id >= 0)];
        _suffixIds = [.. c.SuffixTokens.Select(t => c.TemplateTokenIds.TryGetValue(t, out int id) ? id : TokenToId(t) ?? -1).Where(id => id >= 0)];
        // Python transformers (LlamaTokenizerFast) rebuilds the post-processor from add_bos_token/add_eos_token.
        if (c.AddBosToken == true && _prefixIds.Length == 0 && BosId is int bos) _prefixIds = [bos];
        if (c.AddBosToken == false) _prefixIds = [.. _prefixIds.Where(id => id != BosId)];
        if (c.AddEosToken == true && _suffixIds.Length == 0 && EosId is int eos) _suffixIds = [eos];
    }

    /// <summary>Number of ids: the largest vocab or added-token id + 1 (ids without a token decode to nothing).</summary>
    public int VocabSize { get; }

    /// <summary>Beginning-of-sequence token text from tokenizer_config.json, if any.</summary>
    public string? BosToken { get; }

    /// <summary>End-of-sequence token text from tokenizer_config.json, if any.</summary>
    public string? EosToken { get; }

    /// <summary>Id of <see cref="BosToken"/>.</summary>
    public int? BosId { get; }

    /// <summary>Id of <see cref="EosToken"/>.</summary>
    public int? EosId { get; }

    /// <summary>Id of the padding token (pad_token, else eos_token, as transformers.js).</summary>
    public int? PadId { get; }

    /// <summary>True when <c>Encode(text)</c> starts with BOS (add_bos_token or a TemplateProcessing post-processor).</summary>
    public bool AddsBosToken => BosId is int bos && _prefixIds.Contains(bos);

    /// <summary>Ids added before the text when <c>addSpecialTokens</c> is true.</summary>
    public IReadOnlyList<int> PrefixIds => _prefixIds;

    /// <summary>Ids added after the text when <c>addSpecialTokens</c> is true.</summary>
    public IReadOnlyList<int> SuffixIds => _suffixIds;

    /// <summary>Whether <see cref="Decode"/> removes spaces before punctuation (tokenizer_config.json; transformers.js default true).</summary>
    public bool CleanUpTokenizationSpaces { get; }

    /// <summary>The added tokens with their flags, in tokenizer.json order.</summary>
    public IReadOnlyList<HfAddedToken> AddedTokens { get; }

    /// <summary>Tokens by id (byte-level form for vocab tokens, content for added tokens, null for gaps).</summary>
    public IReadOnlyList<string?> Tokens => _tokens;

    /// <summary>BPE merges in rank order, each as "a b".</summary>
    public IReadOnlyList<string> Merges { get; }

    /// <summary>The pre-tokenizer regex stages (empty when the whole text is one piece).</summary>
    public IReadOnlyList<string> PreTokenizerPatterns => _preTokenizer?.Patterns ?? [];

    /// <summary>The id of a token (added-token content or byte-level vocab token), or null.</summary>
    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out int a) ? a : _vocab.TryGetValue(token, out int v) ? v : null;

    /// <summary>The token of an id (see <see cref="Tokens"/>), or null.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    /// <summary>GGUF-style type of an id: control (special added), user-defined (other added), normal, unused.</summary>
    public HfTokenType GetTokenType(int id) =>
        (uint)id >= (uint)_tokens.Length || _tokens[id] is null ? HfTokenType.Unused
        : _addedContentById[id] is null ? HfTokenType.Normal
        : _skipOnDecode[id] ? HfTokenType.Control : HfTokenType.UserDefined;

    /// <summary>Encodes text to ids; with <paramref name="addSpecialTokens"/> adds <see cref="PrefixIds"/>/<see cref="SuffixIds"/>.</summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text.AsSpan(), ids, addSpecialTokens);
        return [.. ids];
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> ids, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ReadOnlySpan<(int Start, int End)> everywhere = [(0, text.Length)];
        Encode(text, ids, addSpecialTokens, everywhere);
    }

    /// <summary>
    /// Encodes text made of segments: added tokens are matched only inside segments with <see cref="TextSegment.ParseSpecial"/>,
    /// never across a segment edge; the text between tokens is one piece across edges. So segments whose plain parts spell
    /// no added token encode exactly as <c>Encode(string.Concat(texts))</c>. Example (R1 template): user text
    /// <c>"&lt;｜Assistant｜&gt;"</c> in a plain segment gives ordinary BPE ids, never the special id.
    /// </summary>
    public int[] Encode(IReadOnlyList<TextSegment> segments, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var text = new System.Text.StringBuilder();
        var parsed = new List<(int Start, int End)>();
        foreach (var segment in segments)
        {
            int start = text.Length;
            text.Append(segment.Text);
            if (!segment.ParseSpecial || segment.Text.Length == 0) continue;
            if (parsed.Count > 0 && parsed[^1].End == start) parsed[^1] = (parsed[^1].Start, text.Length); // adjacent: one range
            else parsed.Add((start, text.Length));
        }
        string all = text.ToString();
        var ids = new List<int>(all.Length / 3 + 4);
        Encode(all, ids, addSpecialTokens, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(parsed));
        return [.. ids];
    }

    // The encode loop (transformers.js _encode_text): added tokens are looked for only inside `parsed` ranges.
    private void Encode(ReadOnlySpan<char> text, List<int> ids, bool addSpecialTokens, ReadOnlySpan<(int Start, int End)> parsed)
    {
        if (addSpecialTokens) ids.AddRange(_prefixIds);
        int pos = 0;
        bool trimNextStart = false;
        while (pos <= text.Length)
        {
            var (at, token, length) = NextAddedToken(text, pos, parsed);
            int end = at < 0 ? text.Length : at;
            var section = text[pos..end];
            if (trimNextStart) section = section.TrimStart();
            if (at >= 0 && _added[token].LStrip) section = section.TrimEnd();
            EncodeSection(section, ids);
            if (at < 0) break;
            ids.Add(_added[token].Id);
            trimNextStart = _added[token].RStrip;
            pos = at + length;
        }
        if (addSpecialTokens) ids.AddRange(_suffixIds);
    }

    // The first added token at or after pos that lies wholly inside one of the ranges (sorted, disjoint), or (-1, -1, 0).
    private (int Position, int Token, int Length) NextAddedToken(ReadOnlySpan<char> text, int pos, ReadOnlySpan<(int Start, int End)> parsed)
    {
        foreach (var (start, end) in parsed)
        {
            if (end <= pos) continue;
            var match = _matcher.Next(text[..end], Math.Max(pos, start));
            if (match.Position >= 0) return match;
        }
        return (-1, -1, 0);
    }

    private void EncodeSection(ReadOnlySpan<char> section, List<int> ids)
    {
        if (section.IsEmpty) return;
        if (_nfc) section = Nfc.Normalize(section);
        if (_preTokenizer is null)
        {
            EncodePiece(section, ids);
            return;
        }
        var pieces = t_pieces ??= new List<(int Offset, int Length)>(256);
        pieces.Clear();
        _preTokenizer.Split(section, pieces);
        foreach (var (offset, length) in pieces) EncodePiece(section.Slice(offset, length), ids);
    }

    [ThreadStatic] private static List<(int Offset, int Length)>? t_pieces;

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (_cacheLookup.TryGetValue(piece, out int[]? cached))
        {
            ids.AddRange(cached);
            return;
        }
        string key = piece.ToString();
        int[] result = MergePiece(key);
        if (piece.Length <= MaxCachedPieceLength && _cache.Count < MaxCacheEntries) _cache.TryAdd(key, result);
        ids.AddRange(result);
    }

    // BPE of one pre-tokenized piece; transformers.js's ignore_merges looks the whole piece up first.
    private int[] MergePiece(string piece)
    {
        if (_ignoreMerges && _vocab.TryGetValue(ByteLevel.Encode(piece), out int whole)) return [whole];
        return [.. _bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false)];
    }

    private static (byte[] Bytes, int[] Offsets) BuildTokenBytes(string?[] tokens, string?[] addedContent)
    {
        var offsets = new int[tokens.Length + 1];
        var all = new List<byte>(tokens.Length * 6);
        for (int id = 0; id < tokens.Length; id++)
        {
            offsets[id] = all.Count;
            if (tokens[id] is string t && addedContent[id] is null) all.AddRange(ByteLevel.TokenToBytes(t));
        }
        offsets[tokens.Length] = all.Count;
        return ([.. all], offsets);
    }
}
