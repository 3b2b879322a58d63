// Range checks shared by the recipe configs' Validate(): one-line errors prefixed with the recipe's name
// ("GRPO config: beta must be >= 0 (got -1)").
using System.Globalization;

namespace R1Sharp.Training;

/// <summary>Validation helpers for a recipe config; <paramref name="prefix"/> names the recipe in messages.</summary>
internal sealed class RecipeChecks(string prefix)
{
    /// <summary>Shortest round-trip text of a number, as the config file would hold it.</summary>
    public static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public void Positive(string key, double v)
    {
        if (!(v > 0)) Fail($"{key} must be > 0 (got {F(v)})");
    }

    public void AtLeast(string key, int v, int min)
    {
        if (v < min) Fail($"{key} must be >= {min} (got {v})");
    }

    /// <summary>Throws the recipe's one-line <see cref="R1SharpException"/>.</summary>
    public void Fail(string message) => throw new R1SharpException($"{prefix}: {message}");
}
