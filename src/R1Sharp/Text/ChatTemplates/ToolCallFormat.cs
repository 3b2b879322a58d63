// How each chat template family writes a tool call in the model's answer, and the opening forced for tool_choice
// "required" / a named function. Reference: the HF templates (Qwen2.5 <tool_call> JSON, Llama-3.1 JSON with
// "parameters", DeepSeek-R1 <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME ```json ARGS ```), and the tool parsers of
// vLLM (hermes, llama3_json, deepseek_v3/r1) and llama.cpp (common/chat.cpp).
using System.Text.RegularExpressions;

namespace R1Sharp.Text.ChatTemplates;

/// <summary>A model family's tool-call syntax.</summary>
public enum ToolCallFormat
{
    /// <summary>DeepSeek-R1/V3: <c>&lt;｜tool▁calls▁begin｜&gt;&lt;｜tool▁call▁begin｜&gt;function&lt;｜tool▁sep｜&gt;NAME\n```json\nARGS\n```&lt;｜tool▁call▁end｜&gt;…&lt;｜tool▁calls▁end｜&gt;</c>.</summary>
    DeepSeekR1,
    /// <summary>Qwen2.5 / Hermes: <c>&lt;tool_call&gt;\n{"name": NAME, "arguments": ARGS}\n&lt;/tool_call&gt;</c>, one block per call.</summary>
    Hermes,
    /// <summary>Llama-3.1/3.2: the whole answer is <c>{"name": NAME, "parameters": ARGS}</c> (several joined by <c>;</c>;
    /// an optional leading <c>&lt;|python_tag|&gt;</c>).</summary>
    Llama3Json,
}

/// <summary>Helpers for <see cref="ToolCallFormat"/>.</summary>
public static partial class ToolCallFormats
{
    /// <summary>
    /// The text that opens a tool call in this format, forced at the start of the answer so the model must call a tool
    /// (<c>tool_choice: "required"</c>, <paramref name="functionName"/> null) or that function (<c>{"type": "function", …}</c>),
    /// up to where the arguments begin. Examples: Hermes, "f": <c>&lt;tool_call&gt;\n{"name": "f", "arguments": </c>;
    /// Llama-3, null: <c>{"name": "</c>.
    /// </summary>
    public static string ForcedOpening(this ToolCallFormat format, string? functionName) => format switch
    {
        ToolCallFormat.DeepSeekR1 => DeepSeekR1ChatTemplate.ToolCallsBegin + DeepSeekR1ChatTemplate.ToolCallBegin + "function" +
            DeepSeekR1ChatTemplate.ToolSep + (functionName is null ? "" : functionName + "\n```json\n"),
        ToolCallFormat.Hermes => "<tool_call>\n{\"name\": \"" + (functionName is null ? "" : functionName + "\", \"arguments\": "),
        _ => "{\"name\": \"" + (functionName is null ? "" : functionName + "\", \"parameters\": "),
    };

    /// <summary>OpenAI's rule for function names: 1 to 64 of a-z, A-Z, 0-9, underscore and dash. Names are inserted into
    /// the template's own text, so nothing else is accepted.</summary>
    public static bool IsValidFunctionName(string name) => FunctionName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();
}
