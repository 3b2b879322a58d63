// A piece of text to tokenize with or without added-token parsing (llama.cpp's parse_special): chat prompts are
// template text (its markers are tokens) interleaved with message content (plain text, whatever it spells).
namespace R1Sharp.Text;

/// <summary>
/// Text for <see cref="HfTokenizer.Encode(IReadOnlyList{TextSegment}, bool)"/>. With <paramref name="ParseSpecial"/> the added
/// tokens it spells (special or not: <c>&lt;｜Assistant｜&gt;</c>, <c>&lt;think&gt;</c>) become their ids; without, it
/// is encoded as plain text, byte-level BPE only.
/// </summary>
/// <param name="Text">The text.</param>
/// <param name="ParseSpecial">Match added tokens in it (template text) or not (user-provided content).</param>
public readonly record struct TextSegment(string Text, bool ParseSpecial);
