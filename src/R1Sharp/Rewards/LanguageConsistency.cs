// The language_consistency metric of training logs and evaluations (issue 15): the share of a completion's reasoning
// written in its prompt's language, R1's language-consistency reward (R1 paper §2.3.2) used as a measurement.
namespace R1Sharp.Rewards;

public static partial class RewardFunctions
{
    /// <summary>
    /// The language a prompt asks in: Chinese when it holds any CJK ideograph (an English template around a Chinese
    /// question is a Chinese prompt), else English. Example: "User: 求 甲 七 加 乙 五 的个位数" → Chinese.
    /// </summary>
    public static ReasoningLanguage PromptLanguage(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var (_, han, _) = CountWords(prompt);
        return han > 0 ? ReasoningLanguage.Chinese : ReasoningLanguage.English;
    }

    /// <summary>
    /// <see cref="LanguageShare"/> of the completion's reasoning in the prompt's language, or null when the reasoning has
    /// no words (a direct answer has nothing to be consistent about). The completion's form is read from it: one that
    /// holds <c>&lt;think&gt;</c> is R1-Zero form, else chat form (it starts inside the thinking).
    /// Example: prompt "求 甲 七 加 乙 五", completion " &lt;think&gt; 甲 七 加 乙 五 得 二 , 2 + c9 = 1 &lt;/think&gt;" → 7/8.
    /// </summary>
    public static double? SampleLanguageConsistency(string prompt, string completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var template = completion.Contains(ThinkOpen, StringComparison.Ordinal) ? CompletionTemplate.R1Zero : CompletionTemplate.R1Chat;
        var reasoning = ReasoningOf(completion, template);
        var (latin, han, other) = CountWords(reasoning);
        if (latin + han + other == 0) return null;
        return LanguageShare(reasoning, PromptLanguage(prompt));
    }

    /// <summary>Mean of <see cref="SampleLanguageConsistency"/> over the samples that reason in words; null when none does.</summary>
    public static double? MeanLanguageConsistency(IEnumerable<(string Prompt, string Completion)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        double sum = 0;
        int count = 0;
        foreach (var (prompt, completion) in samples)
            if (SampleLanguageConsistency(prompt, completion) is { } v) { sum += v; count++; }
        return count == 0 ? null : sum / count;
    }
}
