// Where and how R1Sharp talks to a Hugging Face hub: the same environment variables huggingface_hub reads
// (constants.py: HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE), so both share one cache.
namespace R1Sharp.Hub;

/// <summary>
/// Hub client settings. Defaults follow huggingface_hub: endpoint https://huggingface.co, cache
/// <c>$HF_HUB_CACHE</c> else <c>$HF_HOME/hub</c> else <c>~/.cache/huggingface/hub</c>, 8 parallel downloads.
/// </summary>
public sealed record HubSettings
{
    /// <summary>Hub base URL without a trailing slash (a mirror via HF_ENDPOINT).</summary>
    public string Endpoint { get; init; } = "https://huggingface.co";
    /// <summary>Bearer token for private and gated repos (HF_TOKEN); null sends no Authorization header.</summary>
    public string? Token { get; init; }
    /// <summary>The hub cache directory holding <c>models--ORG--NAME</c> folders.</summary>
    public string CacheDir { get; init; } = DefaultCacheDir(null, null);
    /// <summary>HF_HUB_OFFLINE=1: resolve from refs/ and snapshots/ only, never touch the network.</summary>
    public bool Offline { get; init; }
    /// <summary>Files downloaded at once (huggingface_hub's max_workers = 8).</summary>
    public int MaxParallel { get; init; } = 8;
    /// <summary>Retries of one request on 408/429/5xx and dropped connections before giving up.</summary>
    public int MaxRetries { get; init; } = 5;
    /// <summary>First backoff delay; doubled per retry, plus up to 50% jitter, capped at <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest wait between retries, Retry-After included.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>A body read that yields nothing for this long counts as a dropped connection (then resumed).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Longest wait for a blob's lock file held by another download of it (r1 pull or huggingface_hub).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Settings from HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE.</summary>
    public static HubSettings FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>Settings from a variable lookup (testable without touching the process environment).</summary>
    public static HubSettings FromVariables(Func<string, string?> get)
    {
        string? endpoint = NonEmpty(get("HF_ENDPOINT"));
        return new HubSettings
        {
            Endpoint = (endpoint ?? "https://huggingface.co").TrimEnd('/'),
            Token = NonEmpty(get("HF_TOKEN")),
            CacheDir = DefaultCacheDir(NonEmpty(get("HF_HUB_CACHE")), NonEmpty(get("HF_HOME"))),
            Offline = IsTrue(get("HF_HUB_OFFLINE")),
        };
    }

    static string DefaultCacheDir(string? hubCache, string? hfHome)
    {
        if (hubCache is not null) return ExpandHome(hubCache);
        string home = hfHome is not null ? ExpandHome(hfHome)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface");
        return Path.Combine(home, "hub");
    }

    static string ExpandHome(string path) => path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
        ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
        : path;

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    // huggingface_hub's _is_true: "1", "ON", "YES", "TRUE" in any case.
    static bool IsTrue(string? s) => s is not null && s.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";
}
