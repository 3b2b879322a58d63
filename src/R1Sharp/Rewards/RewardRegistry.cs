// Name → factory map of reward functions, with string options as they come from a recipe file or the command line.
// Names and option keys follow open-r1's reward_funcs and GRPOScriptArguments (cosine_*, repetition_*, soft_punish_cache).
using System.Globalization;

namespace R1Sharp.Rewards;

/// <summary>Builds a reward function from string options (keys are snake_case); throws <see cref="R1SharpException"/> on bad ones.</summary>
public delegate RewardFunction RewardFactory(IReadOnlyDictionary<string, string> options);

/// <summary>
/// Reward functions by name. Built in: accuracy, format, tag_count, harmless, language, cosine, repetition, overlong.
/// Example: <c>new RewardRegistry().CreateFromSpec("cosine:max_len=512,min_value_wrong=-1")</c>.
/// </summary>
public sealed class RewardRegistry
{
    private readonly Dictionary<string, (RewardFactory Factory, string[] Keys)> _factories = new(StringComparer.Ordinal);

    /// <summary>A registry holding the built-in functions.</summary>
    public RewardRegistry()
    {
        Register("accuracy", o => RewardFunctions.Accuracy(AnswerOptionsFrom("accuracy", o)), ["tolerance", "order", "skip_thinking"]);
        Register("format", o => RewardFunctions.Format(new FormatOptions { Strict = Bool("format", o, "strict", false) }), ["strict"]);
        Register("tag_count", _ => RewardFunctions.TagCount(), []);
        Register("harmless", _ => RewardFunctions.Harmless(), []);
        Register("language", o => RewardFunctions.LanguageConsistency(o.TryGetValue("language", out var l) && l == "prompt"
            ? new LanguageOptions { FollowPrompt = true } : new LanguageOptions { Language = Language(o) }), ["language"]);
        Register("cosine", o => RewardFunctions.Cosine(new CosineOptions
        {
            MinValueWrong = Double("cosine", o, "min_value_wrong", -1.0),
            MaxValueWrong = Double("cosine", o, "max_value_wrong", -0.5),
            MinValueCorrect = Double("cosine", o, "min_value_correct", 0.5),
            MaxValueCorrect = Double("cosine", o, "max_value_correct", 1.0),
            MaxLength = Int("cosine", o, "max_len", 1000),
            Answer = AnswerOptionsFrom("cosine", o),
        }), ["min_value_wrong", "max_value_wrong", "min_value_correct", "max_value_correct", "max_len", "tolerance", "order", "skip_thinking"]);
        Register("repetition", o => RewardFunctions.Repetition(new RepetitionOptions
        {
            NgramSize = Int("repetition", o, "ngram_size", 3),
            MaxPenalty = Double("repetition", o, "max_penalty", -1.0),
        }), ["ngram_size", "max_penalty"]);
        Register("overlong", o => RewardFunctions.Overlong(new OverlongOptions
        {
            MaxCompletionLength = Int("overlong", o, "max_completion_len", 0),
            SoftPunishCache = Int("overlong", o, "soft_punish_cache", 4096),
        }), ["max_completion_len", "soft_punish_cache"]);
    }

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Adds (or replaces) a factory; <paramref name="keys"/> are the option keys it accepts.</summary>
    public void Register(string name, RewardFactory factory, IReadOnlyCollection<string> keys)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[name] = (factory, [.. keys]);
    }

    /// <summary>Builds the function <paramref name="name"/> with <paramref name="options"/> (unknown keys are errors).</summary>
    public RewardFunction Create(string name, IReadOnlyDictionary<string, string>? options = null)
    {
        if (!_factories.TryGetValue(name, out var entry))
            throw new R1SharpException($"reward '{name}' is unknown; use one of: {string.Join(", ", Names)}.");
        options ??= new Dictionary<string, string>();
        foreach (var key in options.Keys)
            if (!entry.Keys.Contains(key))
                throw new R1SharpException(entry.Keys.Length == 0
                    ? $"reward '{name}' takes no options, got '{key}'."
                    : $"reward '{name}': unknown option '{key}'; valid: {string.Join(", ", entry.Keys)}.");
        return entry.Factory(options);
    }

    /// <summary>
    /// Builds a function from <c>name</c> or <c>name:key=value,key=value</c>. Returns the name with the function.
    /// </summary>
    public (string Name, RewardFunction Function) CreateFromSpec(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int colon = spec.IndexOf(':');
        var name = (colon < 0 ? spec : spec[..colon]).Trim();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (colon >= 0)
        {
            foreach (var part in spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=');
                if (eq <= 0) throw new R1SharpException($"reward spec '{spec}': option '{part}' is not key=value.");
                options[part[..eq].Trim()] = part[(eq + 1)..].Trim();
            }
        }
        return (name, Create(name, options));
    }

    private static AnswerOptions AnswerOptionsFrom(string reward, IReadOnlyDictionary<string, string> o)
    {
        var order = MathAnswer.DefaultOrder;
        if (o.TryGetValue("order", out var text))
        {
            order = [.. text.Split('+', StringSplitOptions.TrimEntries).Select(s => s switch
            {
                "boxed" => AnswerSource.Boxed,
                "answer" => AnswerSource.AnswerTag,
                "number" => AnswerSource.LastNumber,
                _ => throw new R1SharpException($"reward '{reward}': order part '{s}' is unknown; use boxed, answer, number joined by '+'."),
            })];
        }
        return new AnswerOptions
        {
            Order = order,
            RelativeTolerance = Double(reward, o, "tolerance", 0),
            SkipThinking = Bool(reward, o, "skip_thinking", true),
        };
    }

    private static ReasoningLanguage Language(IReadOnlyDictionary<string, string> o) =>
        !o.TryGetValue("language", out var v) ? ReasoningLanguage.English : v.ToLowerInvariant() switch
        {
            "en" or "english" => ReasoningLanguage.English,
            "zh" or "chinese" => ReasoningLanguage.Chinese,
            _ => throw new R1SharpException($"reward 'language': language '{v}' is unknown; use en, zh or prompt."),
        };

    private static double Double(string reward, IReadOnlyDictionary<string, string> o, string key, double fallback) =>
        !o.TryGetValue(key, out var v) ? fallback
        : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d
        : throw new R1SharpException($"reward '{reward}': option '{key}' must be a number, got '{v}'.");

    private static int Int(string reward, IReadOnlyDictionary<string, string> o, string key, int fallback) =>
        !o.TryGetValue(key, out var v) ? fallback
        : int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
        : throw new R1SharpException($"reward '{reward}': option '{key}' must be an integer, got '{v}'.");

    private static bool Bool(string reward, IReadOnlyDictionary<string, string> o, string key, bool fallback) =>
        !o.TryGetValue(key, out var v) ? fallback
        : bool.TryParse(v, out var b) ? b
        : throw new R1SharpException($"reward '{reward}': option '{key}' must be true or false, got '{v}'.");
}
