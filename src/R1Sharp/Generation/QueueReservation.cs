// A place in a BatchScheduler's queue taken before a request is prepared: servers check admission (429) before the
// costly part (rendering and tokenizing a long prompt), and that work never runs for more requests than fit the queue.
namespace R1Sharp.Generation;

/// <summary>
/// From <see cref="BatchScheduler.TryReserve"/>; pass it to <see cref="BatchScheduler.Submit"/>. Dispose it in every case:
/// an unused reservation gives its place back.
/// </summary>
public sealed class QueueReservation : IDisposable
{
    private readonly Action _release;
    private int _done;

    internal QueueReservation(BatchScheduler owner, Action release) => (Owner, _release) = (owner, release);

    internal BatchScheduler Owner { get; }

    /// <summary>Marks it used by a submission (under the scheduler's lock); false if already used or disposed.</summary>
    internal bool TryConsume() => Interlocked.Exchange(ref _done, 1) == 0;

    /// <summary>Gives the place back unless a submission used it.</summary>
    public void Dispose()
    {
        if (TryConsume()) _release();
    }
}
