// Prometheus metrics of the server (prometheus-net, a private registry per server; names follow llama.cpp's
// /metrics set: requests, prompt/generated tokens, queue depth, running batch, time to first token, tokens/s).
using System.Diagnostics;
using Prometheus;
using R1Sharp.Generation;

namespace R1Sharp.Server;

/// <summary>The server's collectors and the text exposition of /metrics.</summary>
public sealed class ServerMetrics
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _requests, _promptTokens, _completionTokens, _reasoningTokens, _generated;
    private readonly Gauge _queue, _running, _decodeRate;
    private readonly Histogram _firstToken, _requestRate;
    private long _lastTokens;
    private long _lastTicks = Stopwatch.GetTimestamp();

    /// <summary>Registers the collectors; gauges read <paramref name="scheduler"/> at every scrape.</summary>
    public ServerMetrics(BatchScheduler scheduler)
    {
        var f = Metrics.WithCustomRegistry(_registry);
        _requests = f.CreateCounter("r1_requests_total", "HTTP requests by route and status", "route", "status");
        _promptTokens = f.CreateCounter("r1_prompt_tokens_total", "Prompt tokens of chat completions");
        _completionTokens = f.CreateCounter("r1_completion_tokens_total", "Completion tokens returned (reasoning included)");
        _reasoningTokens = f.CreateCounter("r1_reasoning_tokens_total", "Reasoning tokens returned");
        _generated = f.CreateCounter("r1_generated_tokens_total", "Tokens the scheduler generated (all sequences, cancelled ones included)");
        _queue = f.CreateGauge("r1_queue_depth", "Requests waiting for a batch slot");
        _running = f.CreateGauge("r1_running_sequences", "Sequences in the running decode batch");
        _decodeRate = f.CreateGauge("r1_tokens_per_second", "Generated tokens per second since the previous scrape");
        _firstToken = f.CreateHistogram("r1_time_to_first_token_seconds", "Time from request arrival to its first generated text",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
        _requestRate = f.CreateHistogram("r1_request_tokens_per_second", "Completion tokens per second of each request",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 14) });
        _registry.AddBeforeCollectCallback(() => Sample(scheduler));
    }

    /// <summary>Counts one finished HTTP request.</summary>
    public void Request(string route, int status) => _requests.WithLabels(route, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    /// <summary>Records a finished chat completion.</summary>
    public void Completion(GenerationUsage usage, TimeSpan? firstToken, TimeSpan generation)
    {
        _promptTokens.Inc(usage.PromptTokens);
        _completionTokens.Inc(usage.CompletionTokens);
        _reasoningTokens.Inc(usage.ReasoningTokens);
        if (firstToken is { } t) _firstToken.Observe(t.TotalSeconds);
        if (generation > TimeSpan.Zero && usage.CompletionTokens > 0) _requestRate.Observe(usage.CompletionTokens / generation.TotalSeconds);
    }

    /// <summary>Writes the Prometheus text exposition.</summary>
    public Task WriteAsync(Stream stream, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(stream, cancellationToken);

    private void Sample(BatchScheduler scheduler)
    {
        _queue.Set(scheduler.QueuedJobs);
        _running.Set(scheduler.RunningSequences);
        long tokens = scheduler.GeneratedTokens;
        _generated.IncTo(tokens);
        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(_lastTicks, now).TotalSeconds;
        if (seconds > 0) _decodeRate.Set((tokens - Interlocked.Exchange(ref _lastTokens, tokens)) / seconds);
        _lastTicks = now;
    }
}
