// Runtime options of `r1 serve` (llama.cpp server / vLLM serve flags: host, port, api keys, parallel slots, ctx).
namespace R1Sharp.Server;

/// <summary>How the server listens and admits work. Immutable; <see cref="Validate"/> before use.</summary>
public sealed record ServerOptions
{
    /// <summary>The id clients send as <c>model</c> and that <c>/v1/models</c> lists.</summary>
    public required string ModelId { get; init; }
    /// <summary>Address to bind. Default 127.0.0.1 (loopback only).</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>Port; 0 picks a free one (see <see cref="R1Server.Address"/>). Default 8080.</summary>
    public int Port { get; init; } = 8080;
    /// <summary>Accepted bearer keys for /v1/* and /metrics; empty = no authentication.</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];
    /// <summary>
    /// Host header values accepted besides the bound host, loopback names and IP literals (DNS-rebinding protection,
    /// like Django's ALLOWED_HOSTS / Jupyter's allow_remote_access): exact names, ports ignored; <c>*</c> accepts any.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];
    /// <summary>Sequences decoded together at most (continuous batching). Default 8.</summary>
    public int MaxBatch { get; init; } = 8;
    /// <summary>Requests waiting beyond the free batch rows at most; more get 429. Default 64.</summary>
    public int MaxQueue { get; init; } = 64;
    /// <summary>Context length; null = the model's max_position_embeddings.</summary>
    public int? ContextLength { get; init; }
    /// <summary>Chat template name (<see cref="R1Sharp.Text.ChatTemplates.ChatTemplate.Names"/>); null or "auto" = the model's own.</summary>
    public string? ChatTemplate { get; init; }
    /// <summary>Most characters the messages may hold together, checked before tokenizing; more get 400. Null =
    /// context length × <see cref="PromptCharsPerToken"/> (a generous bound: BPE tokens average ~4 characters).</summary>
    public int? MaxPromptChars { get; init; }
    /// <summary>Characters per context token of the default <see cref="MaxPromptChars"/>.</summary>
    public const int PromptCharsPerToken = 16;
    /// <summary>Tokenize special-token text inside messages (<c>&lt;｜Assistant｜&gt;</c>, <c>&lt;/think&gt;</c>) as the special
    /// tokens, as servers did before content was kept apart. Lets clients forge turns: only for trusted clients. Default false.</summary>
    public bool ParseSpecialInContent { get; init; }
    /// <summary>Largest request body in bytes; larger ones get 413. Default 4 MiB.</summary>
    public long MaxBodyBytes { get; init; } = 4 << 20;
    /// <summary>Seconds a 429 asks the client to wait (Retry-After). Default 1.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
    /// <summary>How long running generations may take to finish on <see cref="R1Server.ShutdownAsync"/> (SIGTERM/SIGINT
    /// in `r1 serve`) before they end with an error. Default 10 s.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>A pause before every decode step (UI tests and demos). Default none.</summary>
    public TimeSpan StepDelay { get; init; }

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad option.</summary>
    public ServerOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelId)) throw new R1SharpException("the served model id is empty");
        if (Port is < 0 or > 65535) throw new R1SharpException($"--port must be in 0..65535, got {Port}");
        if (MaxBatch < 1) throw new R1SharpException($"--max-batch must be >= 1, got {MaxBatch}");
        if (MaxQueue < 0) throw new R1SharpException($"--max-queue must be >= 0, got {MaxQueue}");
        if (ContextLength < 2) throw new R1SharpException($"--ctx must be >= 2, got {ContextLength}");
        if (ShutdownGrace < TimeSpan.Zero) throw new R1SharpException($"--shutdown-grace must be >= 0 seconds, got {ShutdownGrace.TotalSeconds}");
        if (StepDelay < TimeSpan.Zero) throw new R1SharpException($"--step-delay-ms must be >= 0, got {StepDelay.TotalMilliseconds}");
        if (MaxPromptChars < 1) throw new R1SharpException($"--max-prompt-chars must be >= 1, got {MaxPromptChars}");
        if (MaxBodyBytes < 1024) throw new R1SharpException($"the body limit must be >= 1024 bytes, got {MaxBodyBytes}");
        if (ApiKeys.Any(string.IsNullOrWhiteSpace)) throw new R1SharpException("an API key is empty; give a non-empty --api-key or a key file with one key per line");
        return this;
    }
}
