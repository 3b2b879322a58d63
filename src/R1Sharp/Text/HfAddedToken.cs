// Added tokens of a Hugging Face tokenizer.json ("added_tokens") and the token types a GGUF export needs.
// Field meanings follow HF tokenizers' AddedToken (src/tokenizer/added_vocabulary.rs).
namespace R1Sharp.Text;

/// <summary>One entry of <c>added_tokens</c> in tokenizer.json.</summary>
/// <param name="Id">Token id.</param>
/// <param name="Content">Literal text matched in the input before pre-tokenization.</param>
/// <param name="Special">Special tokens are dropped by <c>Decode(..., skipSpecialTokens: true)</c>.</param>
/// <param name="LStrip">Whitespace to the left of a match is removed.</param>
/// <param name="RStrip">Whitespace to the right of a match is removed.</param>
/// <param name="SingleWord">Stored for export; transformers.js (our reference) does not use it.</param>
/// <param name="Normalized">Stored for export; transformers.js matches every added token on the raw text.</param>
public sealed record HfAddedToken(int Id, string Content, bool Special, bool LStrip, bool RStrip, bool SingleWord, bool Normalized);

/// <summary>Kinds of tokens, numbered as GGUF's <c>tokenizer.ggml.token_type</c>.</summary>
public enum HfTokenType
{
    /// <summary>A vocabulary token produced by BPE.</summary>
    Normal = 1,
    /// <summary>Unknown token (not used by byte-level BPE).</summary>
    Unknown = 2,
    /// <summary>A special added token (BOS, EOS, chat markers).</summary>
    Control = 3,
    /// <summary>A non-special added token.</summary>
    UserDefined = 4,
    /// <summary>An id with no token (a gap in the id range).</summary>
    Unused = 5,
}
