// OpenAI tool_choice: "auto" (the model decides), "none" (no tools offered, no calls parsed), "required" (some call),
// or {"type": "function", "function": {"name": ...}} (that call). Microsoft.Extensions.AI's ChatToolMode maps onto it.
namespace R1Sharp.Serving;

/// <summary>What the model may or must do with the tools of a request.</summary>
/// <param name="Mode">"auto", "none", "required" or "function".</param>
/// <param name="FunctionName">The function that must be called when <paramref name="Mode"/> is "function", else null.</param>
public sealed record ChatToolChoice(string Mode, string? FunctionName = null)
{
    /// <summary>The model decides (the default when tools are given).</summary>
    public static ChatToolChoice Auto { get; } = new("auto");
    /// <summary>No call: the tools are neither rendered nor parsed.</summary>
    public static ChatToolChoice None { get; } = new("none");
    /// <summary>At least one call: the answer is forced to open a call.</summary>
    public static ChatToolChoice Required { get; } = new("required");
    /// <summary>A call of <paramref name="name"/>: the answer is forced to open that call.</summary>
    public static ChatToolChoice Function(string name) => new("function", name);

    /// <summary>True when the answer must be a call (required or a named function).</summary>
    public bool Forces => Mode is "required" or "function";
}
