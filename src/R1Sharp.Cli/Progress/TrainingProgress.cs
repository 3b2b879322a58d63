// Progress of a training loop in the `r1` tool: a Spectre.Console progress bar on an interactive terminal, plain log lines otherwise
// (Spectre's live display prints nothing when stdout is redirected: DESIGN.md Platform facts).
using System.Globalization;
using System.Text;
using Spectre.Console;

using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Cli.Progress;

/// <summary>Runs a loop body with a progress display fed through <see cref="IProgress{T}"/>.</summary>
public static class TrainingProgress
{
    /// <summary>
    /// Calls <paramref name="body"/> with a synchronous progress sink: a live bar when <paramref name="interactive"/>
    /// (default: stdout is an interactive terminal), else plain lines on <paramref name="plain"/> (default stdout).
    /// </summary>
    public static T Run<T>(string description, Func<IProgress<TrainingStepReport>, T> body, TextWriter? plain = null, bool? interactive = null)
    {
        bool live = interactive ?? (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);
        if (!live) return body(new PlainSink(plain ?? Console.Out));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description), maxValue: 1);
                result = body(new LiveSink(task, description));
                task.StopTask();
            });
        return result;
    }

    /// <summary>
    /// One log line: "step 10/100 | loss 2.3456 | lr 1.00e-04 | …", every metric but step/epoch in row order; rates
    /// as integers, lr in scientific notation, mfu as a percentage.
    /// </summary>
    public static string FormatLine(TrainingStepReport r)
    {
        var sb = new StringBuilder($"step {r.Step}/{r.TotalSteps}");
        foreach (var (key, v) in r.Metrics)
        {
            if (key is "step" or "epoch" || double.IsNaN(v)) continue; // NaN = not measured this run (e.g. KL with beta 0)
            string text = key switch
            {
                "lr" or "learning_rate" => v.ToString("0.00e+00", CultureInfo.InvariantCulture),
                "mfu" => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%",
                _ when key.EndsWith("per_second", StringComparison.Ordinal) || key.StartsWith("tokens", StringComparison.Ordinal)
                    => v.ToString("0", CultureInfo.InvariantCulture),
                _ => v.ToString("0.0000", CultureInfo.InvariantCulture),
            };
            sb.Append(" | ").Append(key).Append(' ').Append(text);
        }
        return sb.ToString();
    }

    private sealed class PlainSink(TextWriter output) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport r)
        {
            if (r.Message is not null) output.WriteLine(r.Message);
            else if (r.IsLogStep) output.WriteLine(FormatLine(r)); // GRPO's rows only move the bar: its trainer logs its own lines
            output.Flush();
        }
    }

    private sealed class LiveSink(ProgressTask task, string description) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport r)
        {
            task.MaxValue = Math.Max(1, r.TotalSteps);
            if (r.Message is not null) AnsiConsole.MarkupLine(Markup.Escape(r.Message));
            else
            {
                task.Value = r.Step;
                string loss = r.Metrics.TryGetValue("loss", out double l) ? $" loss {l.ToString("0.0000", CultureInfo.InvariantCulture)}" : "";
                task.Description = Markup.Escape($"{description}{loss}");
                if (r.IsLogStep) AnsiConsole.MarkupLine(Markup.Escape(FormatLine(r)));
            }
        }
    }
}
