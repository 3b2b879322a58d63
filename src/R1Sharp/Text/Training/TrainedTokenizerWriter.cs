// Writes a BpeTrainingResult as an HF tokenizer directory: tokenizer.json (tokenizers "1.0" format, laid out
// like Qwen2's: NFC, Split(Isolated)+ByteLevel pre-tokenizer, ByteLevel post-processor/decoder) and tokenizer_config.json.
using System.Text.Encodings.Web;
using System.Text.Json;

using R1Sharp.IO;

namespace R1Sharp.Text.Training;

/// <summary>What tokenizer_config.json says beyond the vocabulary. BOS/EOS/PAD must be special tokens of the result.</summary>
public sealed record TokenizerFileOptions
{
    /// <summary><c>bos_token</c>, or null.</summary>
    public string? BosToken { get; init; }
    /// <summary><c>eos_token</c>, or null.</summary>
    public string? EosToken { get; init; }
    /// <summary><c>pad_token</c>, or null.</summary>
    public string? PadToken { get; init; }
    /// <summary><c>add_bos_token</c>: whether encoders prepend BOS. Default false.</summary>
    public bool AddBosToken { get; init; }
    /// <summary><c>model_max_length</c>. Default 131072 (R1-Distill).</summary>
    public int ModelMaxLength { get; init; } = 131072;
    /// <summary><c>chat_template</c> (Jinja), or null to omit.</summary>
    public string? ChatTemplate { get; init; }
}

/// <summary>Saves a trained tokenizer in the Hugging Face format (see file header).</summary>
public static class TrainedTokenizerWriter
{
    private static readonly JsonWriterOptions s_json = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into <paramref name="outDirectory"/> (created if
    /// needed). Each file is written to a temporary name and renamed, so readers never see half a file.
    /// </summary>
    /// <exception cref="R1SharpException">A BOS/EOS/PAD token that is not one of the special tokens.</exception>
    public static void Save(BpeTrainingResult result, string outDirectory, TokenizerFileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        options ??= new TokenizerFileOptions();
        foreach (var (field, token) in new[] { ("bos_token", options.BosToken), ("eos_token", options.EosToken), ("pad_token", options.PadToken) })
        {
            if (token is not null && !result.SpecialTokens.Contains(token))
                throw new R1SharpException($"tokenizer_config.json: {field} '{token}' is not one of the special tokens ({string.Join(", ", result.SpecialTokens)}); add it to SpecialTokens before training");
        }
        Directory.CreateDirectory(outDirectory);
        WriteAtomically(Path.Combine(outDirectory, "tokenizer.json"), w => WriteTokenizerJson(w, result));
        WriteAtomically(Path.Combine(outDirectory, "tokenizer_config.json"), w => WriteTokenizerConfig(w, result, options));
    }

    private static void WriteAtomically(string path, Action<Utf8JsonWriter> write) => AtomicFile.Write(path, stream =>
    {
        using var writer = new Utf8JsonWriter(stream, s_json);
        write(writer);
    });

    private static void WriteTokenizerJson(Utf8JsonWriter w, BpeTrainingResult r)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        for (int i = 0; i < r.SpecialTokens.Count; i++) WriteAddedToken(w, r.FirstSpecialId + i, r.SpecialTokens[i], withId: true);
        w.WriteEndArray();
        if (r.NormalizeNfc)
        {
            w.WriteStartObject("normalizer");
            w.WriteString("type", "NFC");
            w.WriteEndObject();
        }
        else w.WriteNull("normalizer");
        WritePreTokenizer(w, r.PreTokenizerPatterns);
        WriteByteLevel(w, "post_processor", trimOffsets: false);
        WriteByteLevel(w, "decoder", trimOffsets: false);
        WriteModel(w, r);
        w.WriteEndObject();
    }

    /// <summary>tokenizer.json's "pre_tokenizer": a Sequence of HF Split(Isolated) regexes, then ByteLevel without its regex.</summary>
    internal static void WritePreTokenizer(Utf8JsonWriter w, IReadOnlyList<string> patterns)
    {
        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        foreach (string pattern in patterns)
        {
            w.WriteStartObject();
            w.WriteString("type", "Split");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", pattern);
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
            w.WriteEndObject();
        }
        WriteByteLevel(w, null, trimOffsets: true);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A ByteLevel object (named <paramref name="name"/>, or an array element when null) with add_prefix_space and use_regex off.</summary>
    internal static void WriteByteLevel(Utf8JsonWriter w, string? name, bool trimOffsets)
    {
        if (name is null) w.WriteStartObject();
        else w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", false);
        w.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter w, BpeTrainingResult r)
    {
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        for (int id = 0; id < r.FirstSpecialId; id++) w.WriteNumber(r.Vocab[id], id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        for (int rank = 0; rank < r.Merges.Count; rank++) w.WriteStringValue(r.MergeString(rank));
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteAddedToken(Utf8JsonWriter w, int id, string content, bool withId)
    {
        if (withId)
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
        }
        else w.WriteStartObject(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("content", content);
        w.WriteBoolean("single_word", false);
        w.WriteBoolean("lstrip", false);
        w.WriteBoolean("rstrip", false);
        w.WriteBoolean("normalized", false);
        w.WriteBoolean("special", true);
        w.WriteEndObject();
    }

    private static void WriteTokenizerConfig(Utf8JsonWriter w, BpeTrainingResult r, TokenizerFileOptions o)
    {
        w.WriteStartObject();
        w.WriteBoolean("add_bos_token", o.AddBosToken);
        w.WriteBoolean("add_eos_token", false);
        w.WriteStartObject("added_tokens_decoder");
        for (int i = 0; i < r.SpecialTokens.Count; i++) WriteAddedToken(w, r.FirstSpecialId + i, r.SpecialTokens[i], withId: false);
        w.WriteEndObject();
        WriteStringOrNull(w, "bos_token", o.BosToken);
        if (o.ChatTemplate is not null) w.WriteString("chat_template", o.ChatTemplate);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        WriteStringOrNull(w, "eos_token", o.EosToken);
        w.WriteNumber("model_max_length", o.ModelMaxLength);
        WriteStringOrNull(w, "pad_token", o.PadToken);
        w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        w.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }
}
