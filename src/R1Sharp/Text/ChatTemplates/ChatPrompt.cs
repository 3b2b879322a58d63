// A rendered chat prompt as segments: the template's own text (its markers are special tokens) and message content
// (plain text, whatever it spells), so a user cannot forge turns by typing <｜Assistant｜> (llama.cpp tokenizes user
// text with parse_special=false). The text is exactly what IChatTemplate.Render returns.
using System.Text;

namespace R1Sharp.Text.ChatTemplates;

/// <summary>The output of <see cref="IChatTemplate.RenderPrompt(IReadOnlyList{ChatTurn}, bool)"/>: <see cref="Text"/> and how to tokenize it.</summary>
public sealed class ChatPrompt
{
    internal ChatPrompt(IReadOnlyList<TextSegment> segments)
    {
        Segments = segments;
        Text = string.Concat(segments.Select(s => s.Text));
    }

    /// <summary>Template text (<see cref="TextSegment.ParseSpecial"/> true) and message content (false), in order.</summary>
    public IReadOnlyList<TextSegment> Segments { get; }

    /// <summary>The rendered prompt, as <see cref="ChatTemplateExtensions.Render"/> returns it.</summary>
    public string Text { get; }

    /// <summary>True when the prompt ends inside an open thinking block (see <see cref="ChatTemplate.EndsInThinking"/>).</summary>
    public bool EndsInThinking => ChatTemplate.EndsInThinking(Text);

    /// <summary>
    /// The prompt's token ids (no BOS/EOS added: templates write them). Message content is plain text unless
    /// <paramref name="parseSpecialInContent"/> is set (then the whole text is parsed, as before segments existed: only
    /// for trusted input, since content can then forge turns).
    /// </summary>
    public int[] Encode(HfTokenizer tokenizer, bool parseSpecialInContent = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return parseSpecialInContent ? tokenizer.Encode(Text, addSpecialTokens: false) : tokenizer.Encode(Segments, addSpecialTokens: false);
    }
}

/// <summary>Builds a <see cref="ChatPrompt"/>: <see cref="Template(string)"/> for the template's text, <see cref="Content"/> for
/// message text. Adjacent pieces of the same kind merge.</summary>
internal sealed class PromptBuilder
{
    private readonly List<TextSegment> _segments = [];
    private readonly StringBuilder _current = new(256);
    private bool _currentIsTemplate = true;

    /// <summary>Appends template text (markers such as <c>&lt;｜User｜&gt;</c> become special tokens).</summary>
    public PromptBuilder Template(string text) => Append(text, template: true);

    /// <summary>Appends one template character.</summary>
    public PromptBuilder Template(char c) => Append(c.ToString(), template: true);

    /// <summary>Appends message content (tokenized as plain text).</summary>
    public PromptBuilder Content(string text) => Append(text, template: false);

    /// <summary>The prompt built so far.</summary>
    public ChatPrompt Build()
    {
        Flush();
        return new ChatPrompt([.. _segments]);
    }

    private PromptBuilder Append(string text, bool template)
    {
        if (text.Length == 0) return this;
        if (template != _currentIsTemplate) Flush();
        _currentIsTemplate = template;
        _current.Append(text);
        return this;
    }

    private void Flush()
    {
        if (_current.Length > 0) _segments.Add(new TextSegment(_current.ToString(), ParseSpecial: _currentIsTemplate));
        _current.Clear();
    }
}
