// Where a `--model` argument points: a model directory or GGUF file, a model in Ollama's store (`ollama:NAME[:TAG]`), or
// a Hugging Face repo (ORG/NAME[@REV]) — pulled into the shared cache on first use, as Ollama pulls, unless --offline.
using R1Sharp.Hub;

namespace R1Sharp.Cli.Commands;

internal static class ModelSource
{
    /// <summary>The local path of <paramref name="argument"/>, pulling an uncached hub repo first unless
    /// <paramref name="offline"/> (or HF_HUB_OFFLINE=1) forbids it.</summary>
    public static string Resolve(string argument, bool offline)
    {
        if (OllamaStore.TryParse(argument, out string ollamaName)) return OllamaStore.FromEnvironment().Resolve(ollamaName);
        var cache = HubCache.FromEnvironment();
        if (cache.TryResolveModel(argument, out var missing) is { } path) return path;
        var settings = HubSettings.FromEnvironment();
        string pull = missing.Revision == "main" ? $"r1 pull {missing.RepoId}" : $"r1 pull {missing.RepoId} --revision {missing.Revision}";
        if (offline)
            throw new R1SharpException($"'{argument}' is neither a model directory nor cached in {settings.CacheDir}, and --offline forbids pulling it: run `{pull}` or drop --offline");
        if (settings.Offline)
            throw new R1SharpException($"'{argument}' is neither a model directory nor cached in {settings.CacheDir}, and HF_HUB_OFFLINE=1 forbids pulling it: unset it and run `{pull}`");
        Console.Error.WriteLine($"{missing.RepoId}@{missing.Revision} is not in the cache {settings.CacheDir}: pulling it from {settings.Endpoint} (--offline refuses)");
        using var client = new HubClient(settings);
        var result = PullCommand.PullAsync(client, missing.RepoId, missing.Revision, [], [], CancellationToken.None).GetAwaiter().GetResult();
        return result.SnapshotDir;
    }
}
