// Learning-rate schedules as pure functions of the optimizer step, with the formulas of Hugging Face
// transformers' get_cosine_schedule_with_warmup / get_linear_schedule_with_warmup / constant_with_warmup, and
// get_cosine_with_min_lr_schedule_with_warmup (min_lr_rate) for decays that stop above 0.
namespace R1Sharp.Training.Infrastructure;

/// <summary>The shape of the learning rate after warm-up (TrainingArguments.lr_scheduler_type).</summary>
public enum LrSchedulerType
{
    /// <summary>Half a cosine from the peak down to 0 at the last step (HF "cosine").</summary>
    Cosine,
    /// <summary>Straight line from the peak down to 0 at the last step (HF "linear").</summary>
    Linear,
    /// <summary>Stays at the peak (HF "constant_with_warmup").</summary>
    Constant,
}

/// <summary>Warm-up + decay schedules. Steps are 0-based optimizer steps: step s trains with <c>At(s, …)</c>.</summary>
public static class LrSchedule
{
    /// <summary>
    /// The learning rate of step <paramref name="step"/>: during warm-up <c>peak·s/W</c> (so step 0 trains at 0, as in
    /// HF), then with p = (s − W)/(N − W): cosine <c>peak·½(1 + cos πp)</c>, linear <c>peak·(1 − p)</c>, or constant.
    /// Example (peak 1, W 2, N 6, cosine): 0, 0.5, 1, 0.8536, 0.5, 0.1464. With a floor r = <paramref name="minLrRate"/>
    /// the decay factor f becomes r + (1 − r)·f (HF cosine_with_min_lr): cosine from the peak down to peak·r.
    /// </summary>
    /// <param name="step">0-based optimizer step.</param>
    /// <param name="peak">The configured learning rate.</param>
    /// <param name="warmupSteps">W, linear warm-up steps (0 = none).</param>
    /// <param name="totalSteps">N, optimizer steps of the whole run.</param>
    /// <param name="type">Shape after warm-up.</param>
    /// <param name="minLrRate">Floor of the decay as a share of the peak, in [0, 1] (0 = decay to 0).</param>
    public static double At(int step, double peak, int warmupSteps, int totalSteps, LrSchedulerType type = LrSchedulerType.Cosine,
        double minLrRate = 0)
    {
        if (step < warmupSteps) return peak * step / Math.Max(1, warmupSteps);
        double progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps);
        double factor = type switch
        {
            LrSchedulerType.Cosine => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
            LrSchedulerType.Linear => Math.Max(0.0, 1.0 - progress),
            _ => 1.0,
        };
        return minLrRate == 0 ? peak * factor : peak * (minLrRate + (1 - minLrRate) * factor);
    }

    /// <summary>Warm-up steps for a run: <paramref name="warmupSteps"/> when &gt; 0, else ⌈ratio × total⌉ (TrainingArguments.get_warmup_steps).</summary>
    public static int WarmupSteps(int warmupSteps, double warmupRatio, int totalSteps) =>
        warmupSteps > 0 ? warmupSteps : (int)Math.Ceiling(warmupRatio * totalSteps);
}
