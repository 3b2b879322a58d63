// A chat request field that is invalid or asks for something R1Sharp does not do: the server answers 400 naming the
// field, LocalChatClient throws it. Never silently ignored (an ignored field answers a different question).
namespace R1Sharp.Serving;

/// <summary>A chat request field R1Sharp refuses; <see cref="Field"/> names it as the OpenAI API spells it.</summary>
public sealed class ChatRequestException(string field, string message) : R1SharpException(message)
{
    /// <summary>The field at fault, e.g. <c>reasoning_effort</c> or <c>tools</c>.</summary>
    public string Field { get; } = field;

    /// <summary>The refusal of a field this server/client does not implement.</summary>
    public static ChatRequestException Unsupported(string field, string what) =>
        new(field, $"{field} is not supported: {what}; remove it from the request");
}
