// GPT-2's bytes_to_unicode table (openai/gpt-2 encoder.py, HF tokenizers ByteLevel): each byte maps to a
// printable code point so byte-level BPE tokens are plain strings (space -> 'Ġ', newline -> 'Ċ'); public view of Text.ByteLevel.
namespace R1Sharp.Text.Training;

/// <summary>The GPT-2 byte ↔ unicode mapping used by HF <c>ByteLevel</c> pre-tokenizers and decoders.</summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = ByteLevel.ByteToChar;

    /// <summary>The character standing for byte <paramref name="b"/>; e.g. 0x20 → 'Ġ' (U+0120), 'a' → 'a'.</summary>
    public static char ToChar(byte b) => s_byteToChar[b];

    /// <summary>Maps bytes to their byte-level string, e.g. UTF-8 of " é" (20 C3 A9) → "ĠÃ©".</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, src) =>
        {
            for (int i = 0; i < src.Length; i++) span[i] = s_byteToChar[src[i]];
        });
    }
}
