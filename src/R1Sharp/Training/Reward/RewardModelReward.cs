// A trained reward model as a GRPO reward function (TRL GRPOTrainer accepts reward models among reward_funcs): it scores
// the prompt + the final answer only — the text after </think> — as R1 scores helpfulness on the summary alone (R1 §2.3.4).
// In a GRPO config: "reward_funcs": ["accuracy", "reward_model:path=runs/rm"].
using System.Globalization;
using R1Sharp.Rewards;
using R1Sharp.Text;

namespace R1Sharp.Training.Reward;

/// <summary>Builds reward functions from reward model directories and registers the <c>reward_model</c> spec.</summary>
public static class RewardModelReward
{
    /// <summary>The registry name: <c>reward_model:path=DIR[,max_length=N]</c>.</summary>
    public const string Name = "reward_model";

    /// <summary>Adds <see cref="Name"/> to <paramref name="registry"/> (options path, required, and max_length, default 1024).</summary>
    public static void Register(RewardRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register(Name, o =>
        {
            if (!o.TryGetValue("path", out var path) || path.Length == 0)
                throw new R1SharpException($"reward '{Name}': option 'path' is required (the directory `r1 train reward` wrote), e.g. {Name}:path=runs/rm");
            int maxLength = 1024;
            if (o.TryGetValue("max_length", out var m) && (!int.TryParse(m, NumberStyles.Integer, CultureInfo.InvariantCulture, out maxLength) || maxLength < 2))
                throw new R1SharpException($"reward '{Name}': option 'max_length' must be an integer >= 2, got '{m}'");
            return Create(path, maxLength);
        }, ["path", "max_length"]);
    }

    /// <summary>
    /// A function scoring <c>prompt + final answer</c> with the reward model in <paramref name="directory"/> (loaded once,
    /// kept for the run). A completion whose thinking never closed has no final answer and is scored on the prompt alone.
    /// </summary>
    public static RewardFunction Create(string directory, int maxLength = 1024)
    {
        if (!Directory.Exists(directory)) throw new R1SharpException($"reward '{Name}': '{directory}' is not a directory; give the output_dir of `r1 train reward`");
        var model = RewardModel.Load(directory);
        model.Decoder.eval();
        var tokenizer = HfTokenizer.Load(directory);
        return input => model.ScoreTexts(tokenizer, [input.Prompt + FinalAnswer(input.Completion)], maxLength)[0];
    }

    /// <summary>The part of a completion a helpfulness reward sees: after the first &lt;/think&gt;; empty when thinking never closed.
    /// Example: " &lt;think&gt; a7 + b5 = 2 &lt;/think&gt; &lt;answer&gt; 2 &lt;/answer&gt;" → " &lt;answer&gt; 2 &lt;/answer&gt;".</summary>
    public static string FinalAnswer(string completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        const string Close = "</think>";
        int at = completion.IndexOf(Close, StringComparison.Ordinal);
        return at < 0 ? "" : completion[(at + Close.Length)..];
    }
}
