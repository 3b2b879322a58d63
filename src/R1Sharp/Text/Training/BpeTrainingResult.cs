// The output of BpeTrainer: byte-level vocabulary (minbpe id layout), ordered merges and special tokens,
// plus the pre-tokenizer settings TrainedTokenizerWriter needs to write a matching tokenizer.json.
namespace R1Sharp.Text.Training;

/// <summary>
/// A trained byte-level BPE tokenizer. Id layout (minbpe): ids 0-255 are the single bytes 0x00-0xFF (id = byte
/// value), then one id per new token in merge order, then <see cref="SpecialTokens"/>. Token strings use the
/// GPT-2 byte-to-unicode alphabet (<see cref="ByteLevelAlphabet"/>), as HF tokenizer.json files do.
/// </summary>
public sealed class BpeTrainingResult
{
    private readonly byte[][] _tokenBytes;

    internal BpeTrainingResult(byte[][] tokenBytes, (int, int)[] merges, IReadOnlyList<string> specialTokens,
        IReadOnlyList<string> patterns, bool normalizeNfc, int uniqueChunks, long totalChunks)
    {
        _tokenBytes = tokenBytes;
        Merges = merges;
        SpecialTokens = specialTokens;
        PreTokenizerPatterns = patterns;
        NormalizeNfc = normalizeNfc;
        UniqueChunks = uniqueChunks;
        TotalChunks = totalChunks;
        var vocab = new string[tokenBytes.Length + specialTokens.Count];
        for (int i = 0; i < tokenBytes.Length; i++) vocab[i] = ByteLevelAlphabet.Encode(tokenBytes[i]);
        for (int i = 0; i < specialTokens.Count; i++) vocab[tokenBytes.Length + i] = specialTokens[i];
        Vocab = vocab;
    }

    /// <summary>Token strings by id: byte-level strings for ids below <see cref="FirstSpecialId"/>, then the special tokens verbatim.</summary>
    public IReadOnlyList<string> Vocab { get; }

    /// <summary>Merges in rank order as (left id, right id); merge r produced the token of bytes left+right.</summary>
    /// <remarks>Two merges can produce the same bytes (e.g. "ab"+"c" and "a"+"bc"); they then share one id, as in HF trainers.</remarks>
    public IReadOnlyList<(int Left, int Right)> Merges { get; }

    /// <summary>Special tokens, in order; the first has id <see cref="FirstSpecialId"/>.</summary>
    public IReadOnlyList<string> SpecialTokens { get; }

    /// <summary>The id of the first special token (= number of byte-level tokens).</summary>
    public int FirstSpecialId => _tokenBytes.Length;

    /// <summary>Total vocabulary size including special tokens.</summary>
    public int VocabSize => Vocab.Count;

    /// <summary>The pre-tokenizer regexes used in training (HF Split(Isolated) stages, in order).</summary>
    public IReadOnlyList<string> PreTokenizerPatterns { get; }

    /// <summary>Whether the corpus was NFC-normalized (the saved tokenizer then has an NFC normalizer).</summary>
    public bool NormalizeNfc { get; }

    /// <summary>Distinct pre-tokenized chunks in the corpus.</summary>
    public int UniqueChunks { get; }

    /// <summary>Pre-tokenized chunks in the corpus, with repeats.</summary>
    public long TotalChunks { get; }

    /// <summary>The bytes of a non-special token.</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => _tokenBytes[id];

    /// <summary>Merge <paramref name="rank"/> as HF writes it: the two byte-level token strings joined by a space.</summary>
    public string MergeString(int rank) => Vocab[Merges[rank].Left] + " " + Vocab[Merges[rank].Right];
}
