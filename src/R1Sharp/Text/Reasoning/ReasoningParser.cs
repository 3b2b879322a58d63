// Splits R1-style model output into reasoning (inside <think>...</think>) and content, streaming or one-shot.
// Follows the behaviour of vLLM's deepseek_r1 reasoning parser and llama.cpp's thinking_forced_open (SERVING.md §2, §4).
namespace R1Sharp.Text.Reasoning;

/// <summary>One piece of parsed output: reasoning text and answer text produced by one <see cref="ReasoningParser.Feed"/>.</summary>
/// <param name="Reasoning">Text of the thinking block (never includes the tags); may be empty.</param>
/// <param name="Content">Answer text after the thinking block; may be empty.</param>
public readonly record struct ReasoningDelta(string Reasoning, string Content)
{
    /// <summary>A delta carrying no text.</summary>
    public static readonly ReasoningDelta Empty = new("", "");

    /// <summary>True when both parts are empty.</summary>
    public bool IsEmpty => Reasoning.Length == 0 && Content.Length == 0;
}

/// <summary>
/// Streaming splitter of model output into reasoning and content. Feed text deltas in order, then call
/// <see cref="Finish"/> once; concatenating every returned delta gives the same result as <see cref="Parse"/>.
/// </summary>
/// <remarks>
/// Rules (the same in <see cref="Parse"/>):
/// <list type="bullet">
/// <item>Leading whitespace followed by <c>&lt;think&gt;</c> opens the thinking block; the whitespace, the tag and one
/// <c>\n</c> right after the tag are dropped, so the reasoning reads the same as when the prompt prefilled <c>&lt;think&gt;\n</c>.
/// This also applies when <c>startsInThinking</c> is set and the model repeats the tag.</item>
/// <item>Otherwise, with <c>startsInThinking</c> (the template ended in <c>&lt;think&gt;\n</c>) everything up to the first
/// <c>&lt;/think&gt;</c> is reasoning (leading whitespace kept); without it the model answered directly and everything is content.</item>
/// <item>The whitespace run right after <c>&lt;/think&gt;</c> is dropped, so content never starts with the customary "\n\n"
/// (as the DeepSeek API and llama.cpp return it; vLLM keeps it). Reasoning keeps its trailing newline before the tag.</item>
/// <item>An unterminated thinking block is all reasoning. Only the first <c>&lt;/think&gt;</c> counts; later tags are content.</item>
/// </list>
/// Held back between calls: only a suffix that could still become a tag (at most 7 chars), plus, before the first
/// non-whitespace char, the leading whitespace (it is dropped if <c>&lt;think&gt;</c> follows).
/// </remarks>
public sealed class ReasoningParser
{
    /// <summary>The tag that opens a thinking block.</summary>
    public const string OpenTag = "<think>";
    /// <summary>The tag that closes a thinking block.</summary>
    public const string CloseTag = "</think>";

    private enum State { Leading, Thinking, AfterClose, Content }

    private readonly bool _startsInThinking;
    private State _state = State.Leading;
    private string _pending = "";
    private bool _skipNewline;
    private bool _finished;

    /// <param name="startsInThinking">True when the prompt ended inside a thinking block (e.g. R1's <c>&lt;think&gt;\n</c> prefill).</param>
    public ReasoningParser(bool startsInThinking) => _startsInThinking = startsInThinking;

    /// <summary>True once <c>&lt;/think&gt;</c> has been seen.</summary>
    public bool ThinkingClosed { get; private set; }

    /// <summary>True while output is (or may still be) inside the thinking block.</summary>
    public bool InThinking => _state == State.Thinking || (_state == State.Leading && _startsInThinking);

    /// <summary>Consumes the next text delta and returns what can be emitted now.</summary>
    public ReasoningDelta Feed(string delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (_finished) throw new InvalidOperationException("ReasoningParser.Feed called after Finish.");
        if (delta.Length == 0) return ReasoningDelta.Empty;
        string text = _pending.Length == 0 ? delta : _pending + delta;
        _pending = "";
        string reasoning = "", content = "";
        int i = 0;
        while (i < text.Length)
        {
            switch (_state)
            {
                case State.Leading:
                    if (!StepLeading(text, ref i)) i = text.Length;
                    break;
                case State.Thinking:
                    reasoning += StepThinking(text, ref i);
                    break;
                case State.AfterClose:
                    while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
                    if (i < text.Length) _state = State.Content;
                    break;
                default:
                    content += i == 0 ? text : text[i..];
                    i = text.Length;
                    break;
            }
        }
        return reasoning.Length == 0 && content.Length == 0 ? ReasoningDelta.Empty : new ReasoningDelta(reasoning, content);
    }

    /// <summary>Ends the stream: returns held-back text (a partial tag is plain text after all).</summary>
    public ReasoningDelta Finish()
    {
        if (_finished) return ReasoningDelta.Empty;
        _finished = true;
        string held = _pending;
        _pending = "";
        if (held.Length == 0) return ReasoningDelta.Empty;
        bool toReasoning = _state == State.Thinking || (_state == State.Leading && _startsInThinking);
        return toReasoning ? new ReasoningDelta(held, "") : new ReasoningDelta("", held);
    }

    // Decides, from the first non-whitespace chars, whether the output opens its own <think>.
    // Returns false when the rest of the text was held back undecided.
    private bool StepLeading(string text, ref int i)
    {
        int j = i;
        while (j < text.Length && char.IsWhiteSpace(text[j])) j++;
        int matched = 0;
        while (matched < OpenTag.Length && j + matched < text.Length && text[j + matched] == OpenTag[matched]) matched++;
        if (matched == OpenTag.Length)
        {
            i = j + OpenTag.Length;
            _state = State.Thinking;
            _skipNewline = true;
            return true;
        }
        if (j + matched == text.Length)
        {
            _pending = text[i..];
            return false;
        }
        _state = _startsInThinking ? State.Thinking : State.Content;
        return true;
    }

    // Emits reasoning up to </think> or up to a suffix that may still become </think>.
    private string StepThinking(string text, ref int i)
    {
        if (_skipNewline)
        {
            _skipNewline = false;
            if (text[i] == '\n') { i++; return ""; }
        }
        int close = text.IndexOf(CloseTag, i, StringComparison.Ordinal);
        if (close >= 0)
        {
            string r = text[i..close];
            i = close + CloseTag.Length;
            _state = State.AfterClose;
            ThinkingClosed = true;
            return r;
        }
        int hold = PartialTagSuffix(text, i, CloseTag);
        int end = text.Length - hold;
        string emitted = i == 0 && hold == 0 ? text : text[i..end];
        if (hold > 0) _pending = text[end..];
        i = text.Length;
        return emitted;
    }

    /// <summary>Length of the longest suffix of <paramref name="text"/>[start..] that is a proper prefix of <paramref name="tag"/>.</summary>
    internal static int PartialTagSuffix(string text, int start, string tag)
    {
        int max = Math.Min(tag.Length - 1, text.Length - start);
        for (int len = max; len > 0; len--)
            if (string.CompareOrdinal(text, text.Length - len, tag, 0, len) == 0) return len;
        return 0;
    }

    /// <summary>
    /// Splits a complete output in one go, with the same rules as the streaming parser.
    /// Example: <c>Parse("2+2 is 4.\n&lt;/think&gt;\n\n4", true)</c> gives ("2+2 is 4.\n", "4", true).
    /// </summary>
    public static (string Reasoning, string Content, bool ThinkingClosed) Parse(string full, bool startsInThinking)
    {
        ArgumentNullException.ThrowIfNull(full);
        int j = 0;
        while (j < full.Length && char.IsWhiteSpace(full[j])) j++;
        string thinking;
        if (string.CompareOrdinal(full, j, OpenTag, 0, OpenTag.Length) == 0 && full.Length - j >= OpenTag.Length)
        {
            int start = j + OpenTag.Length;
            if (start < full.Length && full[start] == '\n') start++;
            thinking = full[start..];
        }
        else if (startsInThinking) thinking = full;
        else return ("", full, false);

        int close = thinking.IndexOf(CloseTag, StringComparison.Ordinal);
        if (close < 0) return (thinking, "", false);
        return (thinking[..close], thinking[(close + CloseTag.Length)..].TrimStart(), true);
    }
}
