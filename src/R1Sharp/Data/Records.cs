// Immutable dataset records: problems with verifiable answers (GSM8K, MATH-500, AIME), chat conversations and
// TRL-style prompt/completion pairs (standard = strings, conversational = lists of {role, content} messages).
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Data;

/// <summary>A problem with a verifiable gold answer (the R1-Zero reward checks the model's final answer against it).</summary>
/// <param name="Id">The row's id column when the dataset has one, else "&lt;file stem&gt;-&lt;0-based row&gt;".</param>
/// <param name="Question">The problem text shown to the model.</param>
/// <param name="Answer">The gold final answer as text (JSON/Parquet numbers are kept as written, e.g. AIME's 117 → "117").</param>
/// <param name="Solution">A worked solution when the dataset has one (GSM8K: the whole answer text, "#### 72" included).</param>
/// <param name="Source">Where the problem came from: the load option's source name, else the file stem.</param>
public sealed record Problem(string Id, string Question, string Answer, string? Solution, string Source);

/// <summary>A conversation (the <c>messages</c> column). Equal when the messages are equal, in order.</summary>
public sealed record Conversation(IReadOnlyList<ChatTurn> Messages)
{
    /// <inheritdoc/>
    public bool Equals(Conversation? other) => other is not null && Messages.SequenceEqual(other.Messages);

    /// <inheritdoc/>
    public override int GetHashCode() => MessageHash(Messages);

    internal static int MessageHash(IReadOnlyList<ChatTurn> messages)
    {
        var h = new HashCode();
        foreach (var m in messages) h.Add(m);
        return h.ToHashCode();
    }
}

/// <summary>One side of a prompt/completion pair: either plain text (TRL "standard" format) or a list of
/// messages (TRL "conversational" format). Exactly one of <see cref="Text"/> and <see cref="Messages"/> is set.</summary>
public sealed record PromptPart
{
    private PromptPart(string? text, IReadOnlyList<ChatTurn>? messages) => (Text, Messages) = (text, messages);

    /// <summary>The text, for the standard format; null for the conversational one.</summary>
    public string? Text { get; }

    /// <summary>The messages, for the conversational format; null for the standard one.</summary>
    public IReadOnlyList<ChatTurn>? Messages { get; }

    /// <summary>True when this part is a list of messages.</summary>
    public bool IsConversational => Messages is not null;

    /// <summary>A plain-text part.</summary>
    public static PromptPart FromText(string text) => new(text, null);

    /// <summary>A conversational part.</summary>
    public static PromptPart FromMessages(IReadOnlyList<ChatTurn> messages) => new(null, messages);

    /// <inheritdoc/>
    public bool Equals(PromptPart? other) =>
        other is not null && Text == other.Text &&
        (Messages is null ? other.Messages is null : other.Messages is not null && Messages.SequenceEqual(other.Messages));

    /// <inheritdoc/>
    public override int GetHashCode() => Messages is null ? Text!.GetHashCode() : Conversation.MessageHash(Messages);
}

/// <summary>A prompt and the completion to learn (SFT) — TRL's prompt/completion dataset format.</summary>
public sealed record PromptCompletion(PromptPart Prompt, PromptPart Completion);
