// The bilingual variant of the chain-sum task (issue 15): the same problems posed in English ("Last digit of a7 + b5")
// and in Chinese number words (中文数字: "求 甲 七 加 乙 五 的个位数"), and a pretraining corpus where some worked solutions
// switch language midway, so that R1-Zero's reasoning can mix languages as R1-Zero's did (R1-METHOD.md §4, R1 §2.3.2).
using System.Globalization;
using System.Text;
using R1Sharp.Numerics;

namespace R1Sharp.Tasks;

/// <summary>The language a problem is posed (and a worked step written) in.</summary>
public enum TaskLanguage
{
    /// <summary>The original chain-sum form: "Last digit of a7 + b5", steps "a7 + b5 = 2".</summary>
    English,
    /// <summary>Chinese number words and heavenly-stem labels: "求 甲 七 加 乙 五 的个位数", steps "甲 七 加 乙 五 得 二".</summary>
    Chinese,
}

/// <summary>How the bilingual pretraining corpus is mixed.</summary>
public sealed record BilingualCorpusOptions
{
    /// <summary>Share of documents with a worked solution (the rest answer directly). Default 0.5.</summary>
    public double WorkedFraction { get; init; } = 0.5;
    /// <summary>Share of worked solutions with one wrong step. Default 0.05.</summary>
    public double MistakeRate { get; init; } = 0.05;
    /// <summary>Share of problems posed in Chinese. Default 0.5.</summary>
    public double ChineseFraction { get; init; } = 0.5;
    /// <summary>Share of worked solutions (of 3+ terms) that switch to the other language midway. Default 0.5.</summary>
    public double SwitchRate { get; init; } = 0.5;
    /// <summary>
    /// Steps a switching solution writes in the problem's language before it changes (at most all but the last step);
    /// 0 = a uniformly drawn step. Default 1: the switch is one decision at one place, as likely as not, so sampling at
    /// temperature 0.6 keeps it; spread over random steps, each step's small chance of switching is sharpened away
    /// (a base trained with 0.3 at random steps wrote 98.8 % of its reasoning in the prompt's language).
    /// </summary>
    public int SwitchAfter { get; init; } = 1;

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first share outside [0, 1].</summary>
    public BilingualCorpusOptions Validate()
    {
        foreach (var (name, v) in new[] { ("worked_fraction", WorkedFraction), ("mistake_rate", MistakeRate),
            ("chinese_fraction", ChineseFraction), ("switch_rate", SwitchRate) })
            if (v is < 0 or > 1 || double.IsNaN(v)) throw new R1SharpException($"bilingual corpus: {name} must be in [0, 1], got {v}");
        if (SwitchAfter < 0) throw new R1SharpException($"bilingual corpus: switch_after must be >= 0, got {SwitchAfter}");
        return this;
    }
}

/// <summary>
/// Poses <see cref="ChainSumTask"/> problems in either language and writes worked solutions in one language or
/// switching midway. Answers stay Arabic digits in both (<c>&lt;answer&gt; 4 &lt;/answer&gt;</c>), so the accuracy
/// reward and the evaluation are shared with the English task. Example for terms 7, 5, 9 in Chinese:
/// <c>求 甲 七 加 乙 五 加 丙 九 的个位数</c> → <c>&lt;think&gt; 甲 七 加 乙 五 得 二 ， 二 加 丙 九 得 一 &lt;/think&gt; &lt;answer&gt; 1 &lt;/answer&gt;</c>.
/// </summary>
public static class BilingualChainSum
{
    /// <summary>Task name of `r1 pretrain --task`.</summary>
    public const string Name = "chain-sum-bilingual";

    private const string ChinesePrefix = "求 ";
    private const string ChineseSuffix = " 的个位数";
    private static readonly string[] Numerals = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    private static readonly string[] Stems = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];

    /// <summary>The Chinese numeral of a digit 0–9: 7 → 七, 0 → 零.</summary>
    public static string Numeral(int digit) => Numerals[digit];

    /// <summary>The digit of a Chinese numeral (零…九), or -1.</summary>
    public static int DigitOf(string numeral) => Array.IndexOf(Numerals, numeral);

    /// <summary><paramref name="p"/> (an English <see cref="ChainSumTask"/> problem) posed in <paramref name="language"/>.</summary>
    public static TaskProblem Pose(TaskProblem p, TaskLanguage language)
    {
        if (language == TaskLanguage.English) return p;
        var terms = ChainSumTask.Terms(p);
        if (terms.Length > Stems.Length) throw new ArgumentException($"at most {Stems.Length} terms in Chinese, got {terms.Length}", nameof(p));
        var sb = new StringBuilder(ChinesePrefix);
        for (int i = 0; i < terms.Length; i++)
        {
            if (i > 0) sb.Append(" 加 ");
            sb.Append(Stems[i]).Append(' ').Append(Numerals[terms[i]]);
        }
        return new TaskProblem(sb.Append(ChineseSuffix).ToString(), p.Answer, p.Terms);
    }

    /// <summary>The language of a question: Chinese when it holds a CJK ideograph, else English.</summary>
    public static TaskLanguage LanguageOf(string question) =>
        question.Any(c => c is >= '\u3400' and <= '\u9FFF') ? TaskLanguage.Chinese : TaskLanguage.English;

    /// <summary>The terms of a question in either language.</summary>
    public static int[] Terms(TaskProblem p)
    {
        if (LanguageOf(p.Question) == TaskLanguage.English) return ChainSumTask.Terms(p);
        var body = p.Question[ChinesePrefix.Length..^ChineseSuffix.Length];
        return [.. body.Split(" 加 ").Select(t => DigitOf(t.Split(' ')[1]))];
    }

    /// <summary>The English form of a question in either language (the key of held-out exclusion).</summary>
    public static TaskProblem ToEnglish(TaskProblem p) => ChainSumTask.Make(Terms(p));

    /// <summary>
    /// A worked solution. Steps before <paramref name="switchAt"/> are in <paramref name="language"/>, the rest in the
    /// other language (-1: never switch). With <paramref name="mistakeAt"/> ≥ 0 that step's digit is off by
    /// <paramref name="error"/> (mod 10) and the chain continues from it, as in <see cref="ChainSumTask.WorkedCompletion"/>.
    /// Example (7, 5, 9; English, switchAt 1): <c> &lt;think&gt; a7 + b5 = 2 ， 二 加 丙 九 得 一 &lt;/think&gt; &lt;answer&gt; 1 &lt;/answer&gt;</c>.
    /// </summary>
    public static string WorkedCompletion(TaskProblem p, TaskLanguage language, int switchAt = -1, int mistakeAt = -1, int error = 1)
    {
        var terms = Terms(p);
        var sb = new StringBuilder(" <think>");
        int total = terms[0];
        for (int i = 1; i < terms.Length; i++)
        {
            int step = i - 1;
            int next = ((total + terms[i] + (step == mistakeAt ? error : 0)) % 10 + 10) % 10;
            var stepLanguage = switchAt >= 0 && step >= switchAt ? Other(language) : language;
            if (step > 0) sb.Append(stepLanguage == TaskLanguage.Chinese ? " ，" : " ,");
            sb.Append(' ').Append(Step(stepLanguage, i, i == 1 ? terms[0] : total, terms[i], next));
            total = next;
        }
        return sb.Append(CultureInfo.InvariantCulture, $" </think> <answer> {total} </answer>").ToString();
    }

    /// <summary>A direct answer (empty thinking), the same in both languages.</summary>
    public static string DirectCompletion(TaskProblem p) => ChainSumTask.DirectCompletion(p);

    // Step i adds term i to the running digit; the first step names both labelled terms ("a7 + b5 = 2" / "甲 七 加 乙 五 得 二").
    private static string Step(TaskLanguage language, int i, int left, int term, int result) => language == TaskLanguage.English
        ? (i == 1 ? $"a{left}" : left.ToString(CultureInfo.InvariantCulture)) + $" + {(char)('a' + i)}{term} = {result}"
        : (i == 1 ? $"{Stems[0]} {Numerals[left]}" : Numerals[left]) + $" 加 {Stems[i]} {Numerals[term]} 得 {Numerals[result]}";

    /// <summary>The other language.</summary>
    public static TaskLanguage Other(TaskLanguage language) =>
        language == TaskLanguage.English ? TaskLanguage.Chinese : TaskLanguage.English;

    /// <summary>
    /// Pretraining documents: a problem (never one of <paramref name="exclude"/>, compared in English form) posed in
    /// Chinese with probability ChineseFraction, answered directly or worked; a worked solution of 3+ terms switches
    /// language with probability SwitchRate, after SwitchAfter steps (at most all but the last; 0: after a uniformly
    /// drawn number of steps). Deterministic in <paramref name="seed"/>.
    /// </summary>
    public static IEnumerable<(TaskProblem Problem, TaskLanguage Language, string Completion)> Corpus(int count, ulong seed,
        BilingualCorpusOptions options, IReadOnlySet<string>? exclude = null)
    {
        options.Validate();
        var rng = new Xoshiro256(seed ^ 0xB111_1A60UL);
        foreach (var english in ChainSumTask.Problems(count, seed, exclude))
        {
            var language = rng.NextDouble() < options.ChineseFraction ? TaskLanguage.Chinese : TaskLanguage.English;
            var p = Pose(english, language);
            bool worked = rng.NextDouble() < options.WorkedFraction;
            bool switches = rng.NextDouble() < options.SwitchRate && p.Terms >= 3;
            int switchAt = !switches ? -1
                : options.SwitchAfter > 0 ? Math.Min(options.SwitchAfter, p.Terms - 2)
                : 1 + (int)(rng.NextUInt64() % (ulong)(p.Terms - 2));
            bool mistake = rng.NextDouble() < options.MistakeRate;
            int at = mistake ? (int)(rng.NextUInt64() % (ulong)(p.Terms - 1)) : -1;
            int error = 1 + (int)(rng.NextUInt64() % 9);
            yield return (p, language, worked ? WorkedCompletion(p, language, switchAt, at, error) : DirectCompletion(p));
        }
    }
}
