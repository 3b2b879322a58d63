// Picks the chat template of a model from its files (tokenizer_config.json "chat_template", or chat_template.jinja).
// (Named ChatTemplate, not ChatTemplates, so it never collides with the namespace of the same name.)
// Reference: Hugging Face tokenizer_config.json fields chat_template (string or [{name, template}]) and bos_token.
using System.Globalization;
using System.Text.Json;

namespace R1Sharp.Text.ChatTemplates;

/// <summary>Recognises a model's chat template family from its Jinja source and builds the matching <see cref="IChatTemplate"/>.</summary>
public static class ChatTemplate
{
    /// <summary>The families recognised, with the marker each is recognised by (for error messages).</summary>
    public const string RecognisedFamilies =
        "DeepSeek-R1 (<｜Assistant｜>), Llama-3 (<|start_header_id|>), Qwen2.5 ChatML (<|im_start|>)";

    /// <summary>Names accepted by <see cref="ForModel"/> (the <c>--chat-template</c> option), "auto" first.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "r1-zero", "deepseek-r1", "qwen2.5", "llama3"];

    /// <summary>
    /// The template a model is run with: "auto" (or null) reads it from the model's files; a name from <see cref="Names"/>
    /// overrides them, the way llama.cpp's <c>--chat-template</c> does — "r1-zero" runs base models trained with the
    /// R1-Zero prompt (they ship no chat template). BOS/EOS texts come from the model's tokenizer_config.json.
    /// </summary>
    /// <param name="dir">The model directory.</param>
    /// <param name="name">A <see cref="Names"/> entry, or null for "auto".</param>
    /// <param name="runtimeAddsBos">True when the runtime adds BOS itself, so the template must not render it.</param>
    public static IChatTemplate ForModel(string dir, string? name = null, bool runtimeAddsBos = false)
    {
        if (name is null or "auto") return FromModelDirectory(dir, runtimeAddsBos);
        if (!Names.Contains(name))
            throw new R1SharpException($"--chat-template: unknown template '{name}'; use one of {string.Join(", ", Names)}");
        string path = File.Exists(dir) ? dir : Path.Combine(dir, "tokenizer_config.json");
        string? bos = null, eos = null;
        if (File.Exists(path))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.Exists(dir) ? GgufTokenizerFiles.Read(dir).TokenizerConfigJson : File.ReadAllText(path));
                bos = ReadTokenText(doc.RootElement, "bos_token", path);
                eos = ReadTokenText(doc.RootElement, "eos_token", path);
            }
            catch (JsonException e) { throw new R1SharpException($"{path}: not valid JSON ({e.Message.Split('\n')[0]}).", e); }
        }
        return name switch
        {
            "r1-zero" => new R1ZeroTemplate(eos ?? DeepSeekR1ChatTemplate.Eos),
            "deepseek-r1" => new DeepSeekR1ChatTemplate(new DeepSeekR1TemplateOptions
            {
                BosToken = bos ?? DeepSeekR1ChatTemplate.Bos, AddBos = !runtimeAddsBos, PrefillThinking = true,
            }),
            "qwen2.5" => new Qwen25ChatTemplate(),
            _ => new Llama3ChatTemplate(new Llama3TemplateOptions { BosToken = bos ?? Llama3ChatTemplate.BeginOfText, AddBos = !runtimeAddsBos }),
        };
    }

    /// <summary>Reads tokenizer_config.json (and chat_template.jinja, which newer transformers save beside it) from a model directory, or the metadata of a GGUF file.</summary>
    /// <param name="dir">The model directory.</param>
    /// <param name="runtimeAddsBos">True when the runtime adds BOS itself, so the template must not render it.</param>
    public static IChatTemplate FromModelDirectory(string dir, bool runtimeAddsBos = false)
    {
        // A GGUF file carries tokenizer.chat_template and the BOS id in its metadata.
        if (File.Exists(dir)) return FromTokenizerConfig(GgufTokenizerFiles.Read(dir).TokenizerConfigJson, dir, runtimeAddsBos);
        string path = Path.Combine(dir, "tokenizer_config.json");
        if (!File.Exists(path))
            throw new R1SharpException($"{path}: file not found; a model directory needs its tokenizer_config.json to pick a chat template.");
        string json = File.ReadAllText(path);
        string jinjaPath = Path.Combine(dir, "chat_template.jinja");
        string? separateJinja = File.Exists(jinjaPath) ? File.ReadAllText(jinjaPath) : null;
        return FromTokenizerConfig(json, path, runtimeAddsBos, separateJinja);
    }

    /// <summary>Builds the template named by a tokenizer_config.json text.</summary>
    /// <param name="tokenizerConfigJson">The file's text.</param>
    /// <param name="sourceName">Where it came from, used in error messages.</param>
    /// <param name="runtimeAddsBos">True when the runtime adds BOS itself.</param>
    /// <param name="separateJinja">Contents of a chat_template.jinja file, used when the config has no chat_template.</param>
    public static IChatTemplate FromTokenizerConfig(string tokenizerConfigJson, string sourceName,
        bool runtimeAddsBos = false, string? separateJinja = null)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(tokenizerConfigJson); }
        catch (JsonException e)
        {
            throw new R1SharpException($"{sourceName}: not valid JSON ({e.Message.Split('\n')[0]}).", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new R1SharpException($"{sourceName}: expected a JSON object at the top level.");
            string? jinja = ReadChatTemplate(root, sourceName) ?? separateJinja;
            if (string.IsNullOrEmpty(jinja))
                throw new R1SharpException($"{sourceName}: the model has no chat template (no \"chat_template\" field and no chat_template.jinja); " +
                    "it is probably a base model: pass --chat-template r1-zero (the R1-Zero prompt) or add a chat_template.");
            return FromJinja(jinja, sourceName, ReadTokenText(root, "bos_token", sourceName), runtimeAddsBos);
        }
    }

    /// <summary>Recognises a Jinja chat template by its markers.</summary>
    /// <param name="jinja">The template source.</param>
    /// <param name="sourceName">Where it came from, used in error messages.</param>
    /// <param name="bosToken">BOS text from the tokenizer config, or null for the family default.</param>
    /// <param name="runtimeAddsBos">True when the runtime adds BOS itself.</param>
    public static IChatTemplate FromJinja(string jinja, string sourceName, string? bosToken = null, bool runtimeAddsBos = false)
    {
        if (jinja.Contains(DeepSeekR1ChatTemplate.AssistantTag, StringComparison.Ordinal))
        {
            var options = new DeepSeekR1TemplateOptions
            {
                BosToken = bosToken ?? DeepSeekR1ChatTemplate.Bos,
                AddBos = !runtimeAddsBos,
                // Only the R1 revision joins several system prompts; the distill revision keeps the last one.
                Variant = jinja.Contains("is_first_sp", StringComparison.Ordinal)
                    ? DeepSeekR1TemplateVariant.R1 : DeepSeekR1TemplateVariant.Distill,
                PrefillThinking = jinja.Contains("<think>", StringComparison.Ordinal),
            };
            return new DeepSeekR1ChatTemplate(options, jinja);
        }
        if (jinja.Contains(Llama3ChatTemplate.StartHeader, StringComparison.Ordinal))
        {
            var options = new Llama3TemplateOptions
            {
                BosToken = bosToken ?? Llama3ChatTemplate.BeginOfText,
                AddBos = !runtimeAddsBos,
                DatePreamble = jinja.Contains("Cutting Knowledge Date", StringComparison.Ordinal),
                // Llama-3.2/3.3 templates print today's date through strftime_now("%d %b %Y").
                DateString = jinja.Contains("strftime_now", StringComparison.Ordinal)
                    ? DateTime.Now.ToString("dd MMM yyyy", CultureInfo.InvariantCulture) : "26 Jul 2024",
            };
            return new Llama3ChatTemplate(options, jinja);
        }
        if (jinja.Contains(Qwen25ChatTemplate.ImStart, StringComparison.Ordinal))
        {
            if (jinja.Contains("<think>", StringComparison.Ordinal) || jinja.Contains("enable_thinking", StringComparison.Ordinal))
                throw new R1SharpException($"{sourceName}: chat_template is a thinking ChatML template (Qwen3 style), which is not supported; " +
                    $"recognised families: {RecognisedFamilies}.");
            string? defaultSystem =
                jinja.Contains(Qwen25ChatTemplate.QwenDefaultSystemPrompt, StringComparison.Ordinal) ? Qwen25ChatTemplate.QwenDefaultSystemPrompt
                : jinja.Contains("You are a helpful assistant.", StringComparison.Ordinal) ? "You are a helpful assistant."
                : null;
            return new Qwen25ChatTemplate(defaultSystem, jinja);
        }
        throw new R1SharpException($"{sourceName}: chat_template is not a family R1Sharp recognises; recognised: {RecognisedFamilies}.");
    }

    /// <summary>True when a rendered prompt ends inside an open thinking block (ends with <c>&lt;think&gt;</c> plus whitespace):
    /// the value to give <see cref="Reasoning.ReasoningParser"/>'s <c>startsInThinking</c>.</summary>
    public static bool EndsInThinking(string prompt) =>
        prompt.AsSpan().TrimEnd().EndsWith("<think>", StringComparison.Ordinal);

    private static string? ReadChatTemplate(JsonElement root, string sourceName)
    {
        if (!root.TryGetProperty("chat_template", out var t) || t.ValueKind == JsonValueKind.Null) return null;
        if (t.ValueKind == JsonValueKind.String) return t.GetString();
        if (t.ValueKind != JsonValueKind.Array)
            throw new R1SharpException($"{sourceName}: field chat_template must be a string or a list of {{name, template}} objects.");
        // A list of named templates: HF uses the one named "default"; take the first when none is.
        string? first = null;
        foreach (var item in t.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("template", out var tpl) || tpl.ValueKind != JsonValueKind.String)
                throw new R1SharpException($"{sourceName}: each chat_template list entry needs a string \"template\".");
            string? name = item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (name == "default") return tpl.GetString();
            first ??= tpl.GetString();
        }
        return first;
    }

    /// <summary>Reads a special-token field that is a string, an AddedToken object {"content": ...}, or null.</summary>
    internal static string? ReadTokenText(JsonElement root, string field, string sourceName)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new R1SharpException($"{sourceName}: expected a JSON object at the top level.");
        if (!root.TryGetProperty(field, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => throw new R1SharpException($"{sourceName}: field {field} must be a string or an object with a string \"content\"."),
        };
    }
}
