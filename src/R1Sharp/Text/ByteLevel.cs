// GPT-2 byte-level alphabet: each byte 0-255 is written as one printable char (space → 'Ġ', '\n' → 'Ċ').
// Follows openai/gpt-2 encoder.py bytes_to_unicode, as HF tokenizers' ByteLevel does.
using System.Text;

namespace R1Sharp.Text;

/// <summary>The GPT-2 byte ↔ char mapping used by byte-level BPE vocabularies.</summary>
internal static class ByteLevel
{
    /// <summary>Char of each byte: printable Latin-1 bytes map to themselves, the rest to U+0100 upwards.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Byte of each char below U+0144, or -1 for chars outside the alphabet.</summary>
    private static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x144];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++) map[ByteToChar[b]] = (short)b;
        return map;
    }

    /// <summary>The bytes a byte-level token stands for (e.g. "Ġhi" → 20 68 69); a token with a char outside
    /// the alphabet is taken as its own UTF-8, as HF tokenizers' ByteLevel decoder does.</summary>
    public static byte[] TokenToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            int b = c < CharToByte.Length ? CharToByte[c] : -1;
            if (b < 0) return Encoding.UTF8.GetBytes(token);
            bytes[i] = (byte)b;
        }
        return bytes;
    }

    /// <summary>The byte-level form of a text (its UTF-8 bytes, each written as its alphabet char).</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        int n = Encoding.UTF8.GetByteCount(text);
        Span<byte> bytes = n <= 512 ? stackalloc byte[n] : new byte[n];
        Encoding.UTF8.GetBytes(text, bytes);
        return string.Create(n, bytes.ToArray(), static (chars, b) =>
        {
            for (int i = 0; i < b.Length; i++) chars[i] = ByteToChar[b[i]];
        });
    }
}
