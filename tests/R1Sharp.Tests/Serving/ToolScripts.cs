// What the scripted tiny model "says" in the tool-calling tests, chosen from its prompt (DeepSeek-R1 format: the test
// tokenizer's template). First turn: reason, then call get_weather; after a tool output: answer with what the tool said.
namespace R1Sharp.Tests.Serving;

internal static class ToolScripts
{
    public const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
    public const string Reasoning = "The user wants the weather, so I call get_weather.\n";
    public const string Args = "{\"city\": \"Paris\"}";

    /// <summary>One R1 tool call block.</summary>
    public static string Call(string name, string args) =>
        $"<｜tool▁call▁begin｜>function<｜tool▁sep｜>{name}\n```json\n{args}\n```<｜tool▁call▁end｜>";

    /// <summary>The script for a prompt: user text "TWO" makes two calls; "FORCED" leaves out the opening (tool_choice
    /// required forces it); "NAMED" writes only the arguments (tool_choice naming get_weather forces the rest).</summary>
    public static string For(string prompt)
    {
        int output = prompt.LastIndexOf("<｜tool▁output▁begin｜>", StringComparison.Ordinal);
        if (output >= 0)
        {
            string result = prompt[(output + "<｜tool▁output▁begin｜>".Length)..].Split("<｜tool▁output▁end｜>")[0];
            return $"The tool says: {result}";
        }
        if (prompt.Contains("FORCED", StringComparison.Ordinal))
            return "I must call a tool.\n</think>get_weather\n```json\n" + Args + "\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
        if (prompt.Contains("NAMED", StringComparison.Ordinal))
            return "I must call get_weather.\n</think>" + Args + "\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
        string calls = prompt.Contains("TWO", StringComparison.Ordinal)
            ? Call("get_weather", Args) + "\n" + Call("get_weather", "{\"city\": \"Rome\"}")
            : Call("get_weather", Args);
        return Reasoning + "</think>\n\n<｜tool▁calls▁begin｜>" + calls + "<｜tool▁calls▁end｜>";
    }
}
