// The error a BatchScheduler gives work it will not finish because it is shutting down (BatchScheduler.ShutdownAsync):
// requests submitted or still queued once shutdown began, and sequences still running when the grace period ends.
namespace R1Sharp.Generation;

/// <summary>
/// Thrown by <see cref="BatchScheduler.TrySubmit"/> once <see cref="BatchScheduler.ShutdownAsync"/> has begun, and set on the
/// <see cref="GenerationJob.Deltas"/> / <see cref="GenerationJob.Completion"/> of jobs that shutdown ended. Servers answer it
/// with 503 (before a response started) or an error event (mid-stream).
/// </summary>
public sealed class SchedulerStoppingException(string message) : InvalidOperationException(message)
{
}
