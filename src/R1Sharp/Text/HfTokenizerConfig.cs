// Parsing of Hugging Face tokenizer.json / tokenizer_config.json into the parts HfTokenizer needs.
// Supported components follow HF tokenizers' JSON schema for byte-level BPE (GPT-2, Qwen2, DeepSeek-V3).
using System.Text.Json;

namespace R1Sharp.Text;

/// <summary>The parsed, validated content of a tokenizer.json (+ tokenizer_config.json).</summary>
internal sealed class HfTokenizerConfig
{
    public required Dictionary<string, int> Vocab { get; init; }
    public required List<string> Merges { get; init; }
    public required bool IgnoreMerges { get; init; }
    public required List<HfAddedToken> AddedTokens { get; init; }
    public required bool Nfc { get; init; }
    public required List<string> SplitPatterns { get; init; }
    public required List<string> PrefixTokens { get; init; } // from TemplateProcessing "single"
    public required List<string> SuffixTokens { get; init; }
    public required Dictionary<string, int> TemplateTokenIds { get; init; }
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    public string? PadToken { get; init; }
    public bool? AddBosToken { get; init; }
    public bool? AddEosToken { get; init; }
    public bool CleanUpTokenizationSpaces { get; init; }
    public required List<string> AdditionalSpecialTokens { get; init; }

    public static HfTokenizerConfig Parse(string json, string? configJson, string jsonName, string configName)
    {
        using var doc = ParseJson(json, jsonName);
        using var cfg = configJson is null ? null : ParseJson(configJson, configName);
        var root = doc.RootElement;
        var model = Required(root, "model", jsonName, "model");
        string modelType = OptString(model, "type") ?? "BPE";
        if (modelType != "BPE") throw Unsupported(jsonName, "model.type", modelType);
        if (OptBool(model, "byte_fallback") == true) throw Unsupported(jsonName, "model.byte_fallback", "true");
        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (!string.IsNullOrEmpty(OptString(model, affix))) throw Unsupported(jsonName, "model." + affix, OptString(model, affix)!);
        CheckDecoder(root, jsonName);
        var splits = new List<string>();
        ReadPreTokenizer(root.TryGetProperty("pre_tokenizer", out var pt) ? pt : default, splits, jsonName, "pre_tokenizer");
        var prefix = new List<string>();
        var suffix = new List<string>();
        var templateIds = new Dictionary<string, int>();
        ReadPostProcessor(root.TryGetProperty("post_processor", out var pp) ? pp : default, prefix, suffix, templateIds, jsonName, "post_processor");
        var c = cfg?.RootElement;
        return new HfTokenizerConfig
        {
            Vocab = ReadVocab(Required(model, "vocab", jsonName, "model.vocab"), jsonName),
            Merges = ReadMerges(Required(model, "merges", jsonName, "model.merges"), jsonName),
            IgnoreMerges = OptBool(model, "ignore_merges") ?? false,
            AddedTokens = ReadAddedTokens(root, jsonName),
            Nfc = ReadNormalizer(root.TryGetProperty("normalizer", out var nz) ? nz : default, jsonName, "normalizer"),
            SplitPatterns = splits,
            PrefixTokens = prefix,
            SuffixTokens = suffix,
            TemplateTokenIds = templateIds,
            BosToken = c is null ? null : TokenField(c.Value, "bos_token", configName),
            EosToken = c is null ? null : TokenField(c.Value, "eos_token", configName),
            PadToken = c is null ? null : TokenField(c.Value, "pad_token", configName) ?? TokenField(c.Value, "eos_token", configName),
            AddBosToken = c is null ? null : OptBool(c.Value, "add_bos_token"),
            AddEosToken = c is null ? null : OptBool(c.Value, "add_eos_token"),
            // transformers.js: `tokenizerConfig.clean_up_tokenization_spaces ?? true`.
            CleanUpTokenizationSpaces = c is null || (OptBool(c.Value, "clean_up_tokenization_spaces") ?? true),
            AdditionalSpecialTokens = c is not null && c.Value.TryGetProperty("additional_special_tokens", out var ast) && ast.ValueKind == JsonValueKind.Array
                ? [.. ast.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : TokenContent(e, configName, "additional_special_tokens"))]
                : [],
        };
    }

    private static JsonDocument ParseJson(string json, string name)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e) { throw new R1SharpException($"{name}: invalid JSON (line {e.LineNumber + 1}): {e.Message.Split('\n')[0]}", e); }
        var kind = doc.RootElement.ValueKind;
        if (kind == JsonValueKind.Object) return doc;
        doc.Dispose();
        throw new R1SharpException($"{name}: the top level must be a JSON object, got {kind.ToString().ToLowerInvariant()}; fix or re-download the file");
    }

    private static R1SharpException Unsupported(string file, string field, string value) =>
        new($"{file}: unsupported tokenizer component '{field}' = {value}; R1Sharp supports byte-level BPE (GPT-2/Qwen2/DeepSeek-V3 style) only");

    internal static JsonElement Required(JsonElement obj, string name, string file, string path)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null) return v;
        throw new R1SharpException($"{file}: missing field '{path}'");
    }

    private static string? OptString(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? OptBool(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static string TokenContent(JsonElement e, string file, string path) =>
        e.ValueKind == JsonValueKind.Object ? Required(e, "content", file, path + ".content").GetString()!
        : throw new R1SharpException($"{file}: field '{path}' must be a string or an AddedToken object");

    private static string? TokenField(JsonElement cfg, string name, string file) =>
        !cfg.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString() : TokenContent(v, file, name);

    private static Dictionary<string, int> ReadVocab(JsonElement vocab, string file)
    {
        if (vocab.ValueKind != JsonValueKind.Object) throw new R1SharpException($"{file}: field 'model.vocab' must be an object of token → id");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in vocab.EnumerateObject())
        {
            if (!p.Value.TryGetInt32(out int id) || id < 0) throw new R1SharpException($"{file}: field 'model.vocab' has a bad id for token '{p.Name}'");
            result[p.Name] = id;
        }
        return result;
    }

    private static List<string> ReadMerges(JsonElement merges, string file)
    {
        if (merges.ValueKind != JsonValueKind.Array) throw new R1SharpException($"{file}: field 'model.merges' must be an array");
        var result = new List<string>(merges.GetArrayLength());
        foreach (var m in merges.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.String) result.Add(m.GetString()!);
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2) result.Add(m[0].GetString() + " " + m[1].GetString());
            else throw new R1SharpException($"{file}: field 'model.merges' entry {result.Count} must be \"a b\" or [\"a\", \"b\"]");
        }
        return result;
    }

    private static List<HfAddedToken> ReadAddedTokens(JsonElement root, string file)
    {
        var result = new List<HfAddedToken>();
        if (!root.TryGetProperty("added_tokens", out var arr) || arr.ValueKind != JsonValueKind.Array) return result;
        foreach (var t in arr.EnumerateArray())
        {
            string path = $"added_tokens[{result.Count}]";
            result.Add(new HfAddedToken(
                Required(t, "id", file, path + ".id").GetInt32(),
                Required(t, "content", file, path + ".content").GetString()!,
                OptBool(t, "special") ?? false, OptBool(t, "lstrip") ?? false, OptBool(t, "rstrip") ?? false,
                OptBool(t, "single_word") ?? false, OptBool(t, "normalized") ?? false));
        }
        return result;
    }

    // Returns true for NFC; false for none or an empty Sequence.
    private static bool ReadNormalizer(JsonElement n, string file, string path)
    {
        if (n.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return false;
        string type = OptString(n, "type") ?? "?";
        if (type == "NFC") return true;
        if (type != "Sequence") throw Unsupported(file, path, type);
        bool nfc = false;
        int i = 0;
        foreach (var inner in Required(n, "normalizers", file, path + ".normalizers").EnumerateArray())
            nfc |= ReadNormalizer(inner, file, $"{path}.normalizers[{i++}]");
        return nfc;
    }

    private static void ReadPreTokenizer(JsonElement p, List<string> splits, string file, string path)
    {
        if (p.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return;
        string type = OptString(p, "type") ?? "?";
        switch (type)
        {
            case "Sequence":
                int i = 0;
                foreach (var inner in Required(p, "pretokenizers", file, path + ".pretokenizers").EnumerateArray())
                    ReadPreTokenizer(inner, splits, file, $"{path}.pretokenizers[{i++}]");
                break;
            case "Split":
                string behavior = OptString(p, "behavior") ?? "?";
                if (behavior != "Isolated") throw Unsupported(file, path + ".behavior", behavior);
                if (OptBool(p, "invert") == true) throw Unsupported(file, path + ".invert", "true");
                var pattern = Required(p, "pattern", file, path + ".pattern");
                splits.Add(OptString(pattern, "Regex") ?? System.Text.RegularExpressions.Regex.Escape(
                    OptString(pattern, "String") ?? throw new R1SharpException($"{file}: field '{path}.pattern' needs Regex or String")));
                break;
            case "ByteLevel":
                if (OptBool(p, "add_prefix_space") == true) throw Unsupported(file, path + ".add_prefix_space", "true");
                if (OptBool(p, "use_regex") ?? true) splits.Add(SplitPreTokenizer.Gpt2Pattern);
                break;
            default:
                throw Unsupported(file, path, type);
        }
    }

    private static void CheckDecoder(JsonElement root, string file)
    {
        var d = Required(root, "decoder", file, "decoder");
        string type = OptString(d, "type") ?? "?";
        if (type == "Sequence" && d.TryGetProperty("decoders", out var ds) && ds.GetArrayLength() == 1) type = OptString(ds[0], "type") ?? "?";
        if (type != "ByteLevel") throw Unsupported(file, "decoder", type);
    }

    private static void ReadPostProcessor(JsonElement p, List<string> prefix, List<string> suffix, Dictionary<string, int> ids, string file, string path)
    {
        if (p.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return;
        string type = OptString(p, "type") ?? "?";
        switch (type)
        {
            case "ByteLevel": return;
            case "Sequence":
                int i = 0;
                foreach (var inner in Required(p, "processors", file, path + ".processors").EnumerateArray())
                    ReadPostProcessor(inner, prefix, suffix, ids, file, $"{path}.processors[{i++}]");
                return;
            case "TemplateProcessing":
                bool afterSequence = false;
                foreach (var item in Required(p, "single", file, path + ".single").EnumerateArray())
                {
                    if (item.TryGetProperty("Sequence", out _)) { afterSequence = true; continue; }
                    string id = Required(Required(item, "SpecialToken", file, path + ".single[].SpecialToken"), "id", file, path + ".single[].SpecialToken.id").GetString()!;
                    (afterSequence ? suffix : prefix).Add(id);
                }
                if (p.TryGetProperty("special_tokens", out var st) && st.ValueKind == JsonValueKind.Object)
                    foreach (var s in st.EnumerateObject())
                        if (s.Value.TryGetProperty("ids", out var idArr) && idArr.GetArrayLength() == 1) ids[s.Name] = idArr[0].GetInt32();
                return;
            default:
                throw Unsupported(file, path, type);
        }
    }
}
