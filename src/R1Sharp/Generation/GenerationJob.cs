// One request admitted to a BatchScheduler: its streamed deltas (a channel) and its results (a task).
// The scheduler thread writes; any thread reads (vLLM's per-request output stream, llama.cpp's slot task).
using System.Threading.Channels;

namespace R1Sharp.Generation;

/// <summary>
/// A request submitted to <see cref="BatchScheduler.TrySubmit"/>: read <see cref="Deltas"/> for streaming (each
/// sequence's last delta carries its result) or await <see cref="Completion"/> for all n results, sample-ordered.
/// Cancelling the token given at submission ends every sequence of the job within one decode step
/// (<see cref="FinishReason.Cancelled"/>).
/// </summary>
public sealed class GenerationJob
{
    private readonly Channel<GenerationDelta> _channel =
        Channel.CreateUnbounded<GenerationDelta>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly TaskCompletionSource<IReadOnlyList<GenerationResult>> _completion =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly GenerationResult?[] _results;
    private int _remaining;

    internal GenerationJob(GenerationRequest request, GenerationOptions options, int context, CancellationToken cancellation)
    {
        (Request, Options, ContextLength, Cancellation) = (request, options, context, cancellation);
        _results = new GenerationResult?[options.SamplesPerPrompt];
        _remaining = options.SamplesPerPrompt;
        Sink = Publish;
        SubmittedAt = DateTime.UtcNow;
    }

    /// <summary>The prompt.</summary>
    public GenerationRequest Request { get; }
    /// <summary>The validated options (context length resolved).</summary>
    public GenerationOptions Options { get; }
    /// <summary>Sequences this job runs (n).</summary>
    public int Samples => _results.Length;
    /// <summary>When it was submitted (UTC).</summary>
    public DateTime SubmittedAt { get; }
    /// <summary>Streamed deltas of all its sequences; completes after the last sequence's final delta (or faults).</summary>
    public ChannelReader<GenerationDelta> Deltas => _channel.Reader;
    /// <summary>The n results in sample order, once every sequence has ended.</summary>
    public Task<IReadOnlyList<GenerationResult>> Completion => _completion.Task;

    internal int ContextLength { get; }
    internal CancellationToken Cancellation { get; }
    internal Action<GenerationDelta> Sink { get; }

    private void Publish(GenerationDelta delta)
    {
        _channel.Writer.TryWrite(delta);
        if (delta.Result is null) return;
        _results[delta.Sequence] = delta.Result;
        if (--_remaining > 0) return;
        _channel.Writer.TryComplete();
        _completion.TrySetResult(_results!);
    }

    /// <summary>Ends a job that never started (cancelled while queued, or the scheduler stopped): empty cancelled results.</summary>
    internal void CancelUnstarted()
    {
        for (int i = 0; i < _results.Length; i++)
        {
            if (_results[i] is not null) continue;
            Publish(new GenerationDelta(i, 0, i, "", "", new GenerationResult
            {
                PromptIndex = 0, SampleIndex = i, Tokens = [], LogProbs = [], Forced = [], Text = "", Reasoning = "", Content = "",
                FinishReason = FinishReason.Cancelled, Usage = new GenerationUsage(Request.PromptIds.Count, 0, 0),
            }));
        }
    }

    internal void Fail(Exception error)
    {
        _channel.Writer.TryComplete(error);
        _completion.TrySetException(error);
    }
}
