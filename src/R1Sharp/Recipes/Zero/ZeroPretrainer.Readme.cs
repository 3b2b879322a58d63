// The README.md that `r1 pretrain` writes into the base model directory: how it was made and how it scores.
using System.Globalization;
using R1Sharp.Tasks;

namespace R1Sharp.Recipes.Zero;

public static partial class ZeroPretrainer
{
    private static string Readme(PretrainOptions o, PretrainReport r, string command) => $"""
        # chain-sum base model (R1-Zero demo)

        A tiny {o.Arch} decoder ({r.Parameters:N0} parameters, vocabulary {r.VocabSize}) pretrained from scratch on
        R1-Zero prompts with chain-sum completions (`{ChainSumTask.Name}`: the last digit of a sum of
        {ChainSumTask.MinTerms} to {ChainSumTask.MaxTerms} labelled one-digit terms, "Last digit of a7 + b5 + c9 + d3"):
        {o.Corpus.WorkedFraction:P0} worked step-by-step solutions ({o.Corpus.MistakeRate:P0} of them with one wrong step),
        the rest direct answers.
        The held-out evaluation problems of `r1 zero` never appear in the corpus.

        Made by:

            {command}

        Preset {o.Preset}, {r.Steps} steps of {o.BatchSize} documents, AdamW lr {o.LearningRate} (cosine), seed {o.Seed},
        corpus {o.CorpusSize:N0} documents{InitNote(o)}; final loss {r.FinalLoss:0.0000}; {r.Seconds:0} s on a 2-core CPU.
        {HeldOut(o, r)}
        {BilingualTask.ReadmeNote(o)}Prompts are plain text (`R1ZeroTemplate.Prompt(question)`), so there is no chat template.
        """;

    // The weights drawn other than HF's N(0, initializer_range), or nothing.
    private static string InitNote(PretrainOptions o) => o.Init.Count == 0 ? "" :
        $", initial weights redrawn from N(0, std) for {string.Join(", ", o.Init.Select(i => $"`{i.Match}` (std {i.Std.ToString(CultureInfo.InvariantCulture)})"))}";

    // The held-out evaluation's line (language consistency when the problems are bilingual), or that there was none.
    private static string HeldOut(PretrainOptions o, PretrainReport r) => r.Eval.Problems == 0 ? "Not evaluated on held-out problems." :
        $"""
        Held-out ({r.Eval.Problems} problems, k = {r.Eval.K}, temperature 0.6): pass@1 {r.Eval.PassAt1:P1},
        cons@{r.Eval.K} {r.Eval.ConsAtK:P1}, mean completion length {r.Eval.MeanLength:0.0} tokens{(o.Task == BilingualChainSum.Name && r.Eval.LanguageConsistency is { } c ? $", language consistency {c:P1}" : "")};
        {r.Modes.ThinkingShare:P1} of completions think, and they are right {r.Modes.ThinkingAccuracy:P1} of the time,
        direct answers {r.Modes.DirectAccuracy:P1}.
        """;
}
