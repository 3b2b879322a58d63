// Llama-3.x JSON tool calls: an answer that starts with "{" (or <|python_tag|>) is one or more {"name", "parameters"}
// objects joined by ";" (vLLM llama3_json_tool_parser; llama.cpp common_chat_parse_llama_3_1). Anything else is content.
using System.Text;
using System.Text.Json;

namespace R1Sharp.Text.ChatTemplates;

public sealed partial class ToolCallParser
{
    private const string PythonTag = "<|python_tag|>";
    private bool? _jsonAnswer; // null: only whitespace seen so far

    private string StepJson(string s, bool final, StringBuilder content, List<ParsedToolCall> calls)
    {
        if (_jsonAnswer is null)
        {
            string t = s.TrimStart();
            if (t.Length == 0 || (!final && t.Length < PythonTag.Length && PythonTag.StartsWith(t, StringComparison.Ordinal)))
            {
                if (!final) return s;
                content.Append(s);
                return "";
            }
            _jsonAnswer = t[0] == '{' || t.StartsWith(PythonTag, StringComparison.Ordinal);
        }
        if (_jsonAnswer == false)
        {
            content.Append(s);
            return "";
        }
        // Calls are decided once the answer is complete: until then it may still turn out to be plain JSON text.
        if (!final) return s;
        var found = JsonCalls(s);
        if (found is null) { content.Append(s); return ""; }
        foreach (var (name, args) in found) AddCall(name, args, calls);
        return "";
    }

    // The calls of a whole answer, or null when it is not only calls.
    private static List<(string Name, string Arguments)>? JsonCalls(string answer)
    {
        string text = answer.Trim();
        if (text.StartsWith(PythonTag, StringComparison.Ordinal)) text = text[PythonTag.Length..];
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var found = new List<(string, string)>();
        int at = 0;
        while (true)
        {
            while (at < bytes.Length && (bytes[at] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' || (found.Count > 0 && bytes[at] == (byte)';'))) at++;
            if (at == bytes.Length) return found.Count > 0 ? found : null;
            try
            {
                var reader = new Utf8JsonReader(bytes.AsSpan(at), new JsonReaderOptions { AllowMultipleValues = true });
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
                reader.Skip();
                int length = (int)reader.BytesConsumed;
                using var doc = JsonDocument.Parse(bytes.AsMemory(at, length));
                if (NamedCall(doc.RootElement) is not { } call) return null;
                found.Add(call);
                at += length;
            }
            catch (JsonException) { return null; }
        }
    }
}
