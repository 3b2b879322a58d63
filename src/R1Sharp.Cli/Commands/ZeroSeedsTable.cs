// The printed table of `r1 zero --seeds`: every headline figure of base and final model as mean ± sample std.
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Cli.Commands;

internal static class ZeroSeedsTable
{
    public static void Print(SeedsSummary s, string outDir)
    {
        Console.WriteLine($"R1-Zero on chain-sum: {s.Seeds.Count} seeds ({string.Join(',', s.Seeds)}), {s.Steps} GRPO steps each -> {outDir}");
        Console.WriteLine($"{"mean ± std over seeds",-22}{"base",18}{"final",18}");
        foreach (var (key, label, percent) in ZeroSeeds.Figures)
        {
            string name = key == "cons_at_k" ? "cons@" + s.K : label;
            Console.WriteLine($"{name,-22}{ZeroSeeds.Format(s.Figures["base_" + key], percent),18}{ZeroSeeds.Format(s.Figures["final_" + key], percent),18}");
        }
    }
}
