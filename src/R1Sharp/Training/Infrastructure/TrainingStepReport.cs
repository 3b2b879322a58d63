// What a training loop reports through IProgress<TrainingStepReport>; the `r1` tool renders it (src/R1Sharp.Cli/Progress).
namespace R1Sharp.Training.Infrastructure;

/// <summary>What a training loop reports after each optimizer step (or with a message between steps).</summary>
/// <param name="Step">Steps completed (1-based after the first step).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Metrics">The step's metrics row (step, loss, lr, …).</param>
/// <param name="IsLogStep">True on logging steps: the row is printed as a line.</param>
/// <param name="Message">A free-form line to print (evaluation, checkpoint saved, …), or null.</param>
public sealed record TrainingStepReport(int Step, int TotalSteps, IReadOnlyDictionary<string, double> Metrics,
    bool IsLogStep = false, string? Message = null);
