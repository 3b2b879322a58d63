// Options of the byte-level BPE trainer (BpeTrainer.cs): target vocabulary, special tokens, the
// pre-tokenizer regexes (HF Split(Isolated) stages) and the minimum pair count.
using R1Sharp.Text;

namespace R1Sharp.Text.Training;

/// <summary>Progress of <see cref="BpeTrainer"/>: <paramref name="Stage"/> is "count" (chunks read) or "merge".</summary>
public readonly record struct BpeTrainingProgress(string Stage, long Done, long Total);

/// <summary>Options for <see cref="BpeTrainer.Train(IEnumerable{string}, BpeTrainerOptions)"/>.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>Total vocabulary size: 256 byte tokens + merges + <see cref="SpecialTokens"/>. Default 1024.</summary>
    public int VocabSize { get; init; } = 1024;

    /// <summary>Special tokens, given the last ids in this order (e.g. "&lt;|endoftext|&gt;"). Default none.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];

    /// <summary>A pair is merged only if it occurs at least this often; training stops earlier otherwise. Default 2.</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Pre-tokenizer regexes, one HF <c>Split(Isolated)</c> stage each. Default: the Qwen2 pattern.</summary>
    public IReadOnlyList<string> PreTokenizerPatterns { get; init; } = [SplitPreTokenizer.Qwen2Pattern];

    /// <summary>
    /// Apply Unicode NFC to the corpus and write an NFC normalizer, as Qwen2 does. Default true. Uses the same
    /// NFC as <see cref="HfTokenizer"/> (ICU when the process runs with InvariantGlobalization).
    /// </summary>
    public bool NormalizeNfc { get; init; } = true;

    /// <summary>Called after counting and every ~1% of merges; null for none.</summary>
    public Action<BpeTrainingProgress>? Progress { get; init; }

    /// <summary>The number of merges needed to reach <see cref="VocabSize"/>.</summary>
    public int MergeTarget => VocabSize - 256 - SpecialTokens.Count;

    /// <summary>Checks the options; the message names the option and what to change.</summary>
    public void Validate()
    {
        if (MergeTarget < 0)
            throw new R1SharpException($"BPE training: VocabSize ({VocabSize}) must be at least 256 + the {SpecialTokens.Count} special tokens = {256 + SpecialTokens.Count}; raise VocabSize");
        if (MinFrequency < 1)
            throw new R1SharpException($"BPE training: MinFrequency must be >= 1, got {MinFrequency}");
        if (PreTokenizerPatterns.Count == 0)
            throw new R1SharpException("BPE training: PreTokenizerPatterns is empty; give at least one regex (e.g. SplitPreTokenizer.Qwen2Pattern)");
        if (NormalizeNfc && !Nfc.IsAvailable)
            throw new R1SharpException("BPE training: NormalizeNfc is set but NFC needs ICU (libicuuc) in this process; install libicu or set NormalizeNfc to false");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string s in SpecialTokens)
        {
            if (string.IsNullOrEmpty(s)) throw new R1SharpException("BPE training: a special token is empty; remove it");
            if (!seen.Add(s)) throw new R1SharpException($"BPE training: special token '{s}' is listed twice; remove the duplicate");
        }
    }
}
