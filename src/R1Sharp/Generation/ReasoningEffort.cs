// OpenAI/DeepSeek `reasoning_effort` levels mapped to thinking budgets in tokens (llama.cpp --reasoning-budget and
// vLLM thinking_token_budget are token counts; OpenAI's levels are not, so R1Sharp documents its own mapping).
namespace R1Sharp.Generation;

/// <summary>
/// The thinking budget each <c>reasoning_effort</c> level means in R1Sharp (server and <c>IChatClient</c>):
/// none/minimal → 0 (answer at once), low → 512, medium → 2048, high/xhigh/max → unlimited.
/// An explicit <c>thinking_budget</c> always wins over the level.
/// </summary>
public static class ReasoningEffort
{
    /// <summary>Budget for "low".</summary>
    public const int LowBudget = 512;
    /// <summary>Budget for "medium".</summary>
    public const int MediumBudget = 2048;
    /// <summary>The accepted spellings, for error messages.</summary>
    public const string Levels = "none, minimal, low, medium, high, xhigh, max";

    /// <summary>Maps a level (case-insensitive) to a budget; null budget = unlimited. False for an unknown level.</summary>
    public static bool TryGetBudget(string level, out int? budget)
    {
        (bool ok, budget) = level.ToLowerInvariant() switch
        {
            "none" or "minimal" => (true, 0),
            "low" => (true, LowBudget),
            "medium" => (true, MediumBudget),
            "high" or "xhigh" or "max" => (true, (int?)null),
            _ => (false, (int?)null),
        };
        return ok;
    }
}
