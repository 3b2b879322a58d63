// The token candidates a sampler chain works on (llama.cpp's llama_token_data_array): parallel id/logit
// buffers owned by a SamplerWorkspace sized to the vocabulary once, so a step allocates nothing.
namespace R1Sharp.Generation;

/// <summary>
/// Buffers sized to the vocabulary, reused by every <see cref="SamplerChain.Sample(ReadOnlySpan{float})"/>.
/// Not thread-safe: one per thread. Many sequences' chains may share one workspace when they are sampled
/// one after another on that thread (per-sequence state lives in the chain's stages, not here).
/// </summary>
public sealed class SamplerWorkspace
{
    internal const int BucketCount = 1024;

    internal readonly int[] Ids;
    internal readonly float[] Logits;
    internal readonly float[] Scratch;
    internal readonly ulong[] Keys;
    internal readonly double[] BucketMass = new double[4 * BucketCount];
    private readonly int[] _iota;

    /// <summary>Allocates the buffers for a vocabulary of <paramref name="vocabSize"/> tokens (~24 bytes a token).</summary>
    public SamplerWorkspace(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        VocabSize = vocabSize;
        Ids = new int[vocabSize];
        Logits = new float[vocabSize];
        Scratch = new float[vocabSize];
        Keys = new ulong[vocabSize];
        _iota = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++) _iota[i] = i;
    }

    /// <summary>Vocabulary size the buffers hold.</summary>
    public int VocabSize { get; }

    /// <summary>Copies a logits row in as the full, id-ordered candidate set.</summary>
    public CandidateSet Load(ReadOnlySpan<float> logits)
    {
        if (logits.Length != VocabSize)
            throw new ArgumentException($"logits row has {logits.Length} entries, the sampler's vocabulary {VocabSize}", nameof(logits));
        logits.CopyTo(Logits);
        _iota.CopyTo(Ids, 0);
        return new CandidateSet(this, VocabSize);
    }
}

/// <summary>
/// The live candidates: the first <see cref="Count"/> entries of the workspace's id/logit buffers.
/// Stages transform logits in place, shrink <see cref="Count"/>, reorder, or select one entry.
/// </summary>
public ref struct CandidateSet
{
    internal CandidateSet(SamplerWorkspace workspace, int count)
    {
        Workspace = workspace;
        Count = count;
        InIdOrder = true;
        Selected = -1;
    }

    internal readonly SamplerWorkspace Workspace;

    /// <summary>Number of live candidates.</summary>
    public int Count { get; private set; }

    /// <summary>True when the live candidates are sorted by logit, descending (ties: lower id first).</summary>
    public bool Sorted { get; set; }

    /// <summary>True while candidate i is token i (nothing removed or moved yet): penalties index directly.</summary>
    public bool InIdOrder { get; set; }

    /// <summary>Position (not id) of the chosen candidate, −1 until a selecting stage ran.</summary>
    public int Selected { get; set; }

    /// <summary>Token ids of the live candidates.</summary>
    public readonly Span<int> Ids => Workspace.Ids.AsSpan(0, Count);

    /// <summary>Logits of the live candidates, parallel to <see cref="Ids"/>.</summary>
    public readonly Span<float> Logits => Workspace.Logits.AsSpan(0, Count);

    /// <summary>Token id of the selected candidate.</summary>
    public readonly int SelectedToken => Selected >= 0 ? Workspace.Ids[Selected] : throw new InvalidOperationException("no candidate selected yet");

    /// <summary>Keeps the first <paramref name="count"/> candidates (1 ≤ count ≤ Count).</summary>
    public void Truncate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        if (count < Count) InIdOrder = false;
        Count = count;
    }

    /// <summary>Softmax of the live logits into <paramref name="destination"/> (length ≥ Count); for tests and logging.</summary>
    public readonly void Probabilities(Span<float> destination)
    {
        var logits = Logits;
        float max = VectorMath.Max(logits);
        double sum = VectorMath.ExpInto(logits, max, destination[..Count]);
        for (int i = 0; i < Count; i++) destination[i] = (float)(destination[i] / sum);
    }
}
