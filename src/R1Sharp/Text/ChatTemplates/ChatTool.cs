// A tool (function) the model may call, as chat templates receive it: the OpenAI tool object
// {"type": "function", "function": {"name", "description", "parameters"}}, which HF apply_chat_template(tools=...) renders.
using System.Text.Json;

namespace R1Sharp.Text.ChatTemplates;

/// <summary>One function the model may call.</summary>
/// <param name="Name">The function name (what a tool call names).</param>
/// <param name="Json">The whole tool object as JSON text, key order kept: templates print it with <c>tojson</c>.</param>
public sealed record ChatTool(string Name, string Json)
{
    /// <summary>
    /// The OpenAI tool object for a function: <c>{"type": "function", "function": {"name", "description"?, "parameters"?}}</c>
    /// (keys in that order, as OpenAI SDKs send them; description and parameters left out when null).
    /// </summary>
    /// <param name="name">Function name.</param>
    /// <param name="description">What it does, or null.</param>
    /// <param name="parametersJson">Its JSON Schema as JSON text, or null.</param>
    /// <exception cref="R1SharpException">An empty name, or parameters that are not a JSON object.</exception>
    public static ChatTool Function(string name, string? description = null, string? parametersJson = null)
    {
        if (string.IsNullOrEmpty(name)) throw new R1SharpException("tools: a function needs a non-empty name");
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", name);
            if (description is not null) w.WriteString("description", description);
            if (parametersJson is not null)
            {
                w.WritePropertyName("parameters");
                JsonElement parameters;
                try { parameters = JsonDocument.Parse(parametersJson).RootElement; }
                catch (JsonException e) { throw new R1SharpException($"tools: parameters of '{name}' are not valid JSON ({e.Message.Split('\n')[0]})", e); }
                if (parameters.ValueKind != JsonValueKind.Object)
                    throw new R1SharpException($"tools: parameters of '{name}' must be a JSON Schema object");
                parameters.WriteTo(w);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return new ChatTool(name, System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
