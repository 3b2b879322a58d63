// A fake Hugging Face hub on a real loopback port speaking the protocol huggingface_hub uses: the model-info API,
// HEAD/GET on /{repo}/resolve/{rev}/{path} (X-Repo-Commit, X-Linked-Etag, X-Linked-Size), relative redirects for a
// renamed repo, absolute redirects of LFS files to a "CDN" host, Range requests, and scripted faults; for the hostile
// cases, a file's ETag or redirect Location can be replaced by any text (an over-long ETag, a file:// redirect).
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace R1Sharp.Tests.Hub;

public enum FaultKind { DropAfter, Corrupt, TooManyRequests, IgnoreRange }

/// <summary>One scripted misbehaviour, applied to the next GET of a file's bytes.</summary>
public sealed record Fault(FaultKind Kind, int Bytes = 0, int RetryAfterSeconds = 0);

/// <summary>A logged request: method, path (unescaped), the host it was sent to, Range and Authorization headers.</summary>
public sealed record HubRequest(string Method, string Path, string Host, string? Range, string? Authorization);

public sealed class FakeRepo
{
    public Dictionary<string, string> Refs { get; } = [];          // revision name → commit
    public Dictionary<string, Dictionary<string, byte[]>> Commits { get; } = []; // commit → path → bytes
}

public sealed class FakeHub : IDisposable
{
    readonly HttpListener _listener = new();
    public int Port { get; }
    /// <summary>The hub's endpoint (HF_ENDPOINT); the CDN is the same server under another host name.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public Dictionary<string, FakeRepo> Repos { get; } = [];
    public Dictionary<string, string> Renamed { get; } = [];        // old repo id → new repo id
    public ConcurrentDictionary<string, ConcurrentQueue<Fault>> Faults { get; } = new();
    public ConcurrentQueue<HubRequest> Log { get; } = new();
    /// <summary>Path → the ETag (X-Linked-Etag for LFS files) to send instead of the real one.</summary>
    public ConcurrentDictionary<string, string> EtagFor { get; } = new();
    /// <summary>Path → a Location the resolve URL redirects to (302) instead of answering.</summary>
    public ConcurrentDictionary<string, string> RedirectFor { get; } = new();

    public FakeHub()
    {
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://*:{Port}/");
            try { _listener.Start(); break; }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        _ = Task.Run(LoopAsync);
    }

    /// <summary>LFS files (weights) have a sha256 etag and live on the CDN; the rest have a git-sha1 etag.</summary>
    public static bool IsLfs(string path) => path.EndsWith(".safetensors", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal);

    public static string Etag(string path, byte[] data) => IsLfs(path)
        ? Convert.ToHexStringLower(SHA256.HashData(data))
        : Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));

    public void AddFault(string path, Fault fault) => Faults.GetOrAdd(path, _ => new()).Enqueue(fault);

    public IReadOnlyList<HubRequest> Requests => Log.ToArray();

    async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => Handle(context));
        }
    }

    void Handle(HttpListenerContext c)
    {
        var segments = c.Request.Url!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        Log.Enqueue(new HubRequest(c.Request.HttpMethod, "/" + string.Join('/', segments), c.Request.Url.Host,
            c.Request.Headers["Range"], c.Request.Headers["Authorization"]));
        try
        {
            if (segments is ["api", "models", var org, var name, "revision", var rev]) ModelInfo(c, org + "/" + name, rev);
            else if (segments is ["cdn", var sha]) ServeCdn(c, sha);
            else if (segments.Length >= 5 && segments[2] == "resolve") Resolve(c, segments[0] + "/" + segments[1], segments[3], string.Join('/', segments[4..]));
            else Status(c, 404, null);
        }
        catch (Exception) { try { c.Response.Abort(); } catch (Exception) { } }
    }

    bool TryFind(string repoId, string rev, out FakeRepo repo, out string commit)
    {
        commit = "";
        if (!Repos.TryGetValue(repoId, out repo!)) return false;
        commit = repo.Refs.TryGetValue(rev, out var c) ? c : rev;
        return true;
    }

    void ModelInfo(HttpListenerContext c, string repoId, string rev)
    {
        if (Renamed.TryGetValue(repoId, out var renamed)) repoId = renamed;
        if (!TryFind(repoId, rev, out var repo, out var commit)) { Status(c, 401, "RepoNotFound"); return; }
        if (!repo.Commits.TryGetValue(commit, out var files)) { Status(c, 404, "RevisionNotFound"); return; }
        var json = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = repoId,
            sha = commit,
            siblings = files.Keys.Select(k => new { rfilename = k }).ToArray(),
        });
        c.Response.ContentType = "application/json";
        c.Response.ContentLength64 = json.Length;
        c.Response.OutputStream.Write(json);
        c.Response.Close();
    }

    void Resolve(HttpListenerContext c, string repoId, string rev, string path)
    {
        if (Renamed.TryGetValue(repoId, out var renamed))
        {
            // A renamed repo answers with a relative redirect, as the real hub does.
            c.Response.StatusCode = 307;
            c.Response.RedirectLocation = $"/{renamed}/resolve/{Uri.EscapeDataString(rev)}/{path}";
            c.Response.Close();
            return;
        }
        if (!TryFind(repoId, rev, out var repo, out var commit)) { Status(c, 401, "RepoNotFound"); return; }
        if (!repo.Commits.TryGetValue(commit, out var files)) { Status(c, 404, "RevisionNotFound"); return; }
        if (!files.TryGetValue(path, out var data)) { Status(c, 404, "EntryNotFound"); return; }
        var r = c.Response;
        r.AddHeader("X-Repo-Commit", commit);
        string etag = EtagFor.TryGetValue(path, out var forced) ? forced : Etag(path, data);
        if (RedirectFor.TryGetValue(path, out var location))
        {
            r.StatusCode = 302;
            r.AddHeader("ETag", $"\"{etag}\"");
            r.AddHeader("X-Linked-Size", data.Length.ToString());
            r.AddHeader("Location", location);
            r.Close();
            return;
        }
        if (IsLfs(path))
        {
            r.StatusCode = 302;
            r.AddHeader("X-Linked-Etag", $"\"{etag}\"");
            r.AddHeader("X-Linked-Size", data.Length.ToString());
            r.AddHeader("ETag", "\"pointer-file-etag-not-the-content\"");
            r.RedirectLocation = $"http://localhost:{Port}/cdn/{etag}";
            r.Close();
            return;
        }
        r.AddHeader("ETag", $"W/\"{etag}\"");
        if (c.Request.HttpMethod == "HEAD") { r.ContentLength64 = data.Length; r.Close(); return; }
        ServeBytes(c, path, data);
    }

    void ServeCdn(HttpListenerContext c, string sha)
    {
        foreach (var repo in Repos.Values)
            foreach (var files in repo.Commits.Values)
                foreach (var (path, data) in files)
                    if (IsLfs(path) && Etag(path, data) == sha) { ServeBytes(c, path, data); return; }
        Status(c, 404, null);
    }

    void ServeBytes(HttpListenerContext c, string path, byte[] data)
    {
        Fault? fault = Faults.TryGetValue(path, out var q) && q.TryDequeue(out var f) ? f : null;
        var r = c.Response;
        if (fault?.Kind == FaultKind.TooManyRequests)
        {
            r.StatusCode = 429;
            r.AddHeader("Retry-After", fault.RetryAfterSeconds.ToString());
            r.Close();
            return;
        }
        if (fault?.Kind == FaultKind.Corrupt) { data = (byte[])data.Clone(); data[data.Length / 2] ^= 0xFF; }
        long start = 0;
        string? range = c.Request.Headers["Range"];
        if (range is not null && fault?.Kind != FaultKind.IgnoreRange && range.StartsWith("bytes=") && range.EndsWith('-'))
        {
            start = long.Parse(range[6..^1]);
            r.StatusCode = 206;
            r.AddHeader("Content-Range", $"bytes {start}-{data.Length - 1}/{data.Length}");
        }
        r.ContentLength64 = data.Length - start;
        if (fault?.Kind == FaultKind.DropAfter)
        {
            r.OutputStream.Write(data, (int)start, fault.Bytes);
            r.OutputStream.Flush();
            r.Abort(); // the connection dies mid-file
            return;
        }
        r.OutputStream.Write(data, (int)start, (int)(data.Length - start));
        r.Close();
    }

    static void Status(HttpListenerContext c, int status, string? errorCode)
    {
        c.Response.StatusCode = status;
        if (errorCode is not null) c.Response.AddHeader("X-Error-Code", errorCode);
        c.Response.Close();
    }

    public void Dispose()
    {
        // The managed HttpListener re-resolves its endpoint when removing a prefix and can throw "Address already in
        // use" when another process took the port meanwhile; the listener is closed either way.
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (HttpListenerException) { }
    }
}
