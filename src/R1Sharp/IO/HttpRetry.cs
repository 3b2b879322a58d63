// Retry policy shared by every HTTP client of R1Sharp (hub downloads, remote evaluation): which statuses are
// worth retrying and how long to wait (Retry-After when the server says, else exponential backoff with jitter).
using System.Net;
using System.Net.Http.Headers;

namespace R1Sharp.IO;

internal static class HttpRetry
{
    /// <summary>408, 429 and 5xx are worth retrying (overload, restarts); other errors are the caller's.</summary>
    public static bool IsRetryable(HttpStatusCode code) =>
        code is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)code >= 500;

    /// <summary>
    /// Delay before retry <paramref name="attempt"/> (0-based): Retry-After when the server gave it, else
    /// baseDelay·2^attempt with up to 50 % jitter (so clients that failed together do not retry together),
    /// capped at <paramref name="maxDelay"/>.
    /// </summary>
    public static TimeSpan Delay(int attempt, RetryConditionHeaderValue? retryAfter, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        TimeSpan wait;
        if (retryAfter?.Delta is { } delta) wait = delta;
        else if (retryAfter?.Date is { } date) wait = date - DateTimeOffset.UtcNow;
        else
        {
            double ms = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20));
            wait = TimeSpan.FromMilliseconds(ms * (1 + 0.5 * Random.Shared.NextDouble()));
        }
        if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
        return wait > maxDelay ? maxDelay : wait;
    }
}
