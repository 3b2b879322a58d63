// A reward model: the decoder with a scalar head on its final hidden states, read at each sequence's last real token
// (HF AutoModelForSequenceClassification with num_labels = 1, as TRL's RewardTrainer trains; R1 §2.3.4's reward model).
// Saved as a model directory plus reward_head.safetensors holding `score.weight` (1, hidden).
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using R1Sharp.Tensors;
using R1Sharp.Text;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Training.Reward;

/// <summary>Decoder + scalar head. Create with <see cref="FromBase"/> (fresh head) or <see cref="Load"/> (a trained one).</summary>
public sealed class RewardModel : IDisposable
{
    /// <summary>File of the head inside a reward model directory.</summary>
    public const string HeadFile = "reward_head.safetensors";
    /// <summary>Tensor name of the head (HF's sequence-classification head name).</summary>
    public const string HeadName = "score.weight";

    private RewardModel(DecoderModel decoder, Parameter score)
    {
        Decoder = decoder;
        Score = score;
    }

    /// <summary>The decoder (its LM head is unused).</summary>
    public DecoderModel Decoder { get; }
    /// <summary>The head (1, hidden).</summary>
    public Parameter Score { get; }

    /// <summary>Every trainable parameter by name: the decoder's, then <see cref="HeadName"/>.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> Parameters => Decoder.CheckpointParameters().Append((HeadName, Score));

    /// <summary>The decoder of <paramref name="modelDirectory"/> with a head drawn from N(0, initializer_range) with <paramref name="seed"/>.</summary>
    public static RewardModel FromBase(string modelDirectory, long seed)
    {
        var decoder = DecoderModel.Load(modelDirectory);
        var score = R1Sharp.Tensors.Parameters.Adopt(empty(1, decoder.Config.HiddenSize));
        using (no_grad())
        using (var generator = new Generator((ulong)seed))
            score.normal_(0.0, decoder.Config.InitializerRange, generator);
        return new RewardModel(decoder, score);
    }

    /// <summary>A trained reward model directory (as <see cref="Save"/> writes); a plain model directory is refused.</summary>
    public static RewardModel Load(string directory)
    {
        if (!File.Exists(Path.Combine(directory, HeadFile)))
            throw new R1SharpException($"{directory}: no {HeadFile}, so it is not a reward model; train one with `r1 train reward --config FILE`");
        var decoder = DecoderModel.Load(directory);
        var model = new RewardModel(decoder, R1Sharp.Tensors.Parameters.Adopt(zeros(1, decoder.Config.HiddenSize)));
        try { model.LoadHead(directory); }
        catch { model.Dispose(); throw; }
        return model;
    }

    /// <summary>Copies the head stored in <paramref name="directory"/> into this model (resuming a checkpoint).</summary>
    public void LoadHead(string directory)
    {
        string path = Path.Combine(directory, HeadFile);
        using var file = SafetensorsFile.Open(path);
        if (!file.Contains(HeadName)) throw new R1SharpException($"{path}: tensor '{HeadName}' missing; not a reward head");
        var values = file.ReadAsFloat32(HeadName);
        if (values.Length != Score.numel())
            throw new R1SharpException($"{path}: '{HeadName}' has {values.Length} values, the model's hidden size is {Score.numel()}");
        using var noGrad = no_grad();
        using var t = tensor(values).reshape(Score.shape);
        Score.copy_(t);
    }

    /// <summary>Writes a complete reward model directory: the decoder's model files, tokenizer files copied from
    /// <paramref name="tokenizerSource"/>, and the head.</summary>
    public void Save(string directory, string? tokenizerSource)
    {
        Infrastructure.Checkpointer.WriteModelDirectory(Decoder, directory, tokenizerSource);
        SaveHead(directory);
    }

    /// <summary>Writes the head into <paramref name="directory"/> (beside the decoder's files).</summary>
    public void SaveHead(string directory)
    {
        Directory.CreateDirectory(directory);
        using var noGrad = no_grad();
        using var flat = Score.detach().reshape(-1).contiguous();
        float[] values = flat.data<float>().ToArray();
        SafetensorsWriter.Write(Path.Combine(directory, HeadFile),
            [SafetensorsEntry.FromFloat32(HeadName, values, [1, values.Length])], new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>
    /// One scalar per row (B): the head on the final hidden state of each row's last real token.
    /// <paramref name="inputIds"/> (B, T) right-padded; <paramref name="attentionMask"/> (B, T) 1 for real tokens.
    /// </summary>
    public Tensor Scores(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = Decoder.ForwardHidden(inputIds, attentionMask: attentionMask);        // (B, T, H)
        var last = attentionMask.sum(1).Minus(1L).clamp_min(Scalars.Zero);                 // (B) index of the last real token
        var index = last.view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);                     // (B, 1, H)
        var h = hidden.gather(1, index).squeeze(1);                                          // (B, H)
        return h.matmul(Score.t()).squeeze(1).MoveToOuterDisposeScope();                     // (B)
    }

    /// <summary>Scores texts without gradients, <paramref name="batchSize"/> at a time; each text is tokenized with
    /// <paramref name="tokenizer"/>, EOS appended (as in training), and cut to its last <paramref name="maxLength"/> tokens.</summary>
    public double[] ScoreTexts(HfTokenizer tokenizer, IReadOnlyList<string> texts, int maxLength = 1024, int batchSize = 16)
    {
        using var noGrad = no_grad();
        var result = new double[texts.Count];
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var rows = texts.Skip(start).Take(batchSize).Select(t => RewardRows.Encode(tokenizer, t, maxLength, keepEnd: true)).ToArray();
            var (ids, mask) = RewardRows.Collate(rows, tokenizer.PadId ?? tokenizer.EosId ?? 0);
            var scores = Scores(ids, mask).data<float>().ToArray();
            for (int i = 0; i < scores.Length; i++) result[start + i] = scores[i];
        }
        return result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Score.Dispose();
        Decoder.Dispose();
    }
}
