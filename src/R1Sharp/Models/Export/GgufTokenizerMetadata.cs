// The tokenizer.* keys of a GGUF export from an HF byte-level BPE tokenizer, and the chat template's raw Jinja.
// Follows llama.cpp convert_hf_to_gguf.py (get_vocab_base, get_vocab_base_pre) and llama-vocab.cpp; ARCHITECTURES.md §4.
using System.Text.Json;
using R1Sharp.Formats.Gguf;
using R1Sharp.Text;

namespace R1Sharp.Models.Export;

/// <summary>Builds the <c>tokenizer.ggml.*</c> metadata llama.cpp's "gpt2" (byte-level BPE) vocabulary reads.</summary>
public static class GgufTokenizerMetadata
{
    /// <summary>The BOS text of DeepSeek tokenizers, which R1-Distill-Qwen keeps on top of Qwen2's vocabulary.</summary>
    public const string DeepSeekBos = "<｜begin▁of▁sentence｜>";

    /// <summary>
    /// The <c>tokenizer.ggml.pre</c> name llama.cpp needs for these pre-tokenizer regexes: the Qwen2 regex →
    /// "qwen2" ("deepseek-r1-qwen" when <paramref name="hasDeepSeekBos"/>, as R1-Distill-Qwen), the three
    /// DeepSeek-V3 regexes → "deepseek-v3", the GPT-4/Llama-3 regex → "llama-bpe", the GPT-2 regex → "gpt-2".
    /// Anything else is an <see cref="R1SharpException"/> naming the pattern, since llama.cpp would split differently.
    /// </summary>
    public static string PreTokenizerName(IReadOnlyList<string> patterns, bool hasDeepSeekBos, string source = "tokenizer.json")
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.SequenceEqual(SplitPreTokenizer.DeepSeekV3Patterns)) return "deepseek-v3";
        if (patterns.Count == 1)
        {
            switch (patterns[0])
            {
                case SplitPreTokenizer.Qwen2Pattern: return hasDeepSeekBos ? "deepseek-r1-qwen" : "qwen2";
                case SplitPreTokenizer.Gpt4Pattern: return "llama-bpe";
                case SplitPreTokenizer.Gpt2Pattern: return "gpt-2";
            }
        }
        string shown = patterns.Count == 0 ? "(no Split pre-tokenizer)" : string.Join(" ; ", patterns.Select(p => $"'{p}'"));
        throw new R1SharpException($"{source}: pre-tokenizer regex {shown} has no llama.cpp equivalent; " +
            "GGUF export supports the Qwen2, DeepSeek-V3, GPT-4/Llama-3 and GPT-2 patterns (retrain the tokenizer with one of them)");
    }

    /// <summary>
    /// Adds tokenizer.ggml.model ("gpt2"), pre, tokens (padded to <paramref name="vocabSize"/> with "[PAD{i}]"),
    /// token_type (ids without a token are UNUSED), merges, bos/eos/padding ids when known, add_bos_token,
    /// add_eos_token, and tokenizer.chat_template when <paramref name="chatTemplate"/> is not null.
    /// </summary>
    public static void Add(GgufWriter writer, HfTokenizer tokenizer, int vocabSize, string? chatTemplate, string source = "tokenizer.json")
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabSize > vocabSize)
            throw new R1SharpException($"{source}: the tokenizer has {tokenizer.VocabSize} ids but config.json vocab_size is {vocabSize}; " +
                "the embedding must have a row for every token (check that the tokenizer belongs to this model)");
        string pre = PreTokenizerName(tokenizer.PreTokenizerPatterns, tokenizer.TokenToId(DeepSeekBos) is not null, source);
        var tokens = new string[vocabSize];
        var types = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++)
        {
            string? token = tokenizer.IdToToken(i);
            tokens[i] = token ?? $"[PAD{i}]";
            types[i] = (int)(token is null ? GgufTokenType.Unused : ToGguf(tokenizer.GetTokenType(i)));
        }
        writer.AddString(GgufKeys.TokenizerModel, "gpt2");
        writer.AddString(GgufKeys.TokenizerPre, pre);
        writer.AddArray(GgufKeys.TokenizerTokens, tokens);
        writer.AddArray(GgufKeys.TokenizerTokenType, types);
        writer.AddArray(GgufKeys.TokenizerMerges, tokenizer.Merges);
        if (tokenizer.BosId is int bos) writer.AddUInt32(GgufKeys.TokenizerBosTokenId, (uint)bos);
        if (tokenizer.EosId is int eos) writer.AddUInt32(GgufKeys.TokenizerEosTokenId, (uint)eos);
        if (tokenizer.PadId is int pad) writer.AddUInt32(GgufKeys.TokenizerPaddingTokenId, (uint)pad);
        writer.AddBool(GgufKeys.TokenizerAddBosToken, tokenizer.AddsBosToken);
        writer.AddBool(GgufKeys.TokenizerAddEosToken, tokenizer.EosId is int e && tokenizer.SuffixIds.Contains(e));
        if (chatTemplate is not null) writer.AddString(GgufKeys.TokenizerChatTemplate, chatTemplate);
    }

    private static GgufTokenType ToGguf(HfTokenType type) => type switch
    {
        HfTokenType.Normal => GgufTokenType.Normal,
        HfTokenType.Unknown => GgufTokenType.Unknown,
        HfTokenType.Control => GgufTokenType.Control,
        HfTokenType.UserDefined => GgufTokenType.UserDefined,
        _ => GgufTokenType.Unused,
    };

    /// <summary>
    /// The raw Jinja chat template of a model directory: tokenizer_config.json "chat_template" (a string, or the
    /// "default" entry of a list of {name, template}), else chat_template.jinja; null when the model has none.
    /// </summary>
    public static string? ReadChatTemplate(string modelDirectory)
    {
        string configPath = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
                if (doc.RootElement.ValueKind == JsonValueKind.Object &&
                    doc.RootElement.TryGetProperty("chat_template", out var t))
                {
                    if (t.ValueKind == JsonValueKind.String) return t.GetString();
                    if (t.ValueKind == JsonValueKind.Array)
                        foreach (var entry in t.EnumerateArray())
                            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("name", out var n) && n.ValueEquals("default")
                                && entry.TryGetProperty("template", out var tt) && tt.ValueKind == JsonValueKind.String)
                                return tt.GetString();
                }
            }
            catch (JsonException e) { throw new R1SharpException($"{configPath}: not valid JSON ({e.Message.Split('\n')[0]})", e); }
        }
        string jinjaPath = Path.Combine(modelDirectory, "chat_template.jinja");
        return File.Exists(jinjaPath) ? File.ReadAllText(jinjaPath) : null;
    }
}
