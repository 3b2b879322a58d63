// The tokenizer of a GGUF file as the Hugging Face files HfTokenizer and ChatTemplate read: the inverse of
// Models/Export/GgufTokenizerMetadata, following llama.cpp llama-vocab.cpp (tokenizer.ggml.* keys, "pre" names).
using System.Text;
using System.Text.Json;
using R1Sharp.Formats.Gguf;
using R1Sharp.Text.Training;

namespace R1Sharp.Text;

/// <summary>tokenizer.json and tokenizer_config.json texts built from a GGUF file's <c>tokenizer.*</c> metadata.</summary>
/// <param name="TokenizerJson">A byte-level BPE tokenizer.json: vocabulary, merges, Split pre-tokenizer, added tokens.</param>
/// <param name="TokenizerConfigJson">bos/eos/pad tokens, add_bos_token/add_eos_token and the chat template when present.</param>
public sealed record GgufTokenizerFiles(string TokenizerJson, string TokenizerConfigJson)
{
    /// <summary>The <c>tokenizer.ggml.pre</c> names this library maps to its pre-tokenizer regexes.</summary>
    public const string SupportedPreNames = "qwen2, deepseek-r1-qwen, llama-bpe, llama3, llama-v3, deepseek-v3, gpt-2";

    /// <summary>
    /// The Split regexes of a llama.cpp pre-tokenizer name, and whether llama.cpp looks whole pieces up before merging
    /// (<c>ignore_merges</c>, set for the Llama-3 family). Example: "qwen2" → ([Qwen2Pattern], false).
    /// </summary>
    /// <exception cref="R1SharpException">A name with no equivalent here, naming it.</exception>
    public static (IReadOnlyList<string> Patterns, bool IgnoreMerges) PreTokenizer(string pre, string source) => pre switch
    {
        "qwen2" or "deepseek-r1-qwen" => ([SplitPreTokenizer.Qwen2Pattern], false),
        "llama-bpe" or "llama3" or "llama-v3" => ([SplitPreTokenizer.Gpt4Pattern], true),
        "deepseek-v3" => (SplitPreTokenizer.DeepSeekV3Patterns, false),
        "gpt-2" => ([SplitPreTokenizer.Gpt2Pattern], false),
        _ => throw new R1SharpException($"{source}: GGUF tokenizer.ggml.pre '{pre}' is not supported; supported: {SupportedPreNames}"),
    };

    /// <summary>Reads the tokenizer of <paramref name="path"/> (a GGUF file).</summary>
    public static GgufTokenizerFiles Read(string path)
    {
        using var file = GgufFile.Open(path);
        return Read(file);
    }

    /// <summary>
    /// Builds the files: Normal (and Unknown) tokens form the BPE vocabulary, Control tokens become special added
    /// tokens and UserDefined ones plain added tokens; Unused ids (an exporter's "[PAD{i}]") are left out. No
    /// normalizer and no space clean-up, as llama.cpp does neither for byte-level BPE.
    /// </summary>
    /// <exception cref="R1SharpException">tokenizer.ggml.model other than "gpt2", an unknown pre name, or missing keys.</exception>
    public static GgufTokenizerFiles Read(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string model = file.GetString(GgufKeys.TokenizerModel);
        if (model != "gpt2")
            throw new R1SharpException($"{file.FileName}: GGUF tokenizer.ggml.model '{model}' is not supported; only \"gpt2\" (byte-level BPE) is");
        string pre = file.Find(GgufKeys.TokenizerPre)?.AsString() ?? "gpt-2";
        var (patterns, ignoreMerges) = PreTokenizer(pre, file.FileName);
        string[] tokens = file.GetArray<string>(GgufKeys.TokenizerTokens);
        int[] types = file.Find(GgufKeys.TokenizerTokenType) is null ? [] : file.GetArray<int>(GgufKeys.TokenizerTokenType);
        string[] merges = file.Find(GgufKeys.TokenizerMerges) is null ? [] : file.GetArray<string>(GgufKeys.TokenizerMerges);
        GgufTokenType TypeOf(int id) => id < types.Length ? (GgufTokenType)types[id] : GgufTokenType.Normal;
        string tokenizerJson = Json(w =>
        {
            w.WriteString("version", "1.0");
            w.WriteStartArray("added_tokens");
            for (int id = 0; id < tokens.Length; id++)
                if (TypeOf(id) is GgufTokenType.Control or GgufTokenType.UserDefined)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", id);
                    w.WriteString("content", tokens[id]);
                    foreach (string flag in new[] { "single_word", "lstrip", "rstrip", "normalized" }) w.WriteBoolean(flag, false);
                    w.WriteBoolean("special", TypeOf(id) == GgufTokenType.Control);
                    w.WriteEndObject();
                }
            w.WriteEndArray();
            w.WriteNull("normalizer");
            TrainedTokenizerWriter.WritePreTokenizer(w, patterns);
            TrainedTokenizerWriter.WriteByteLevel(w, "decoder", trimOffsets: false);
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteBoolean("ignore_merges", ignoreMerges);
            w.WriteStartObject("vocab");
            for (int id = 0; id < tokens.Length; id++)
                if (TypeOf(id) is GgufTokenType.Normal or GgufTokenType.Unknown or GgufTokenType.Byte) w.WriteNumber(tokens[id], id);
            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (string merge in merges) w.WriteStringValue(merge);
            w.WriteEndArray();
            w.WriteEndObject();
        });
        return new GgufTokenizerFiles(tokenizerJson, ConfigJson(file, tokens));
    }

    private static string ConfigJson(GgufFile file, string[] tokens)
    {
        string? Token(string key) => file.Find(key) is null ? null
            : file.GetInteger(key) is long id && id >= 0 && id < tokens.Length ? tokens[id]
            : throw new R1SharpException($"{file.FileName}: GGUF key '{key}' is {file.GetInteger(key)}, not a token id below {tokens.Length}");
        bool Flag(string key) => file.Find(key) is not null && file.GetBool(key);
        return Json(w =>
        {
            w.WriteBoolean("add_bos_token", Flag(GgufKeys.TokenizerAddBosToken));
            w.WriteBoolean("add_eos_token", Flag(GgufKeys.TokenizerAddEosToken));
            w.WriteBoolean("clean_up_tokenization_spaces", false);
            foreach (var (field, key) in new[] { ("bos_token", GgufKeys.TokenizerBosTokenId), ("eos_token", GgufKeys.TokenizerEosTokenId), ("pad_token", GgufKeys.TokenizerPaddingTokenId) })
                if (Token(key) is { } text) w.WriteString(field, text);
            if (file.Find(GgufKeys.TokenizerChatTemplate)?.AsString() is { } template) w.WriteString("chat_template", template);
        });
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
