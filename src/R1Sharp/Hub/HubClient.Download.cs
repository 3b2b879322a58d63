// One pull's file work: HEAD every missing file, download blobs to <blob>.incomplete with Range resume,
// check size and (LFS) sha256, rename into blobs/, then link snapshots/<commit>/<path> → ../../blobs/<etag>.
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace R1Sharp.Hub;

public sealed partial class HubClient
{
    sealed class PullState(HubClient hub, HubRepoInfo info, string revision, IReadOnlyList<string> files, IProgress<HubProgress>? progress)
    {
        readonly string _repoDir = hub.RepoDir(info.RepoId);
        readonly string _locksDir = Path.Combine(hub.Settings.CacheDir, ".locks", HubPaths.RepoFolderName(info.RepoId));
        long _done, _downloaded;

        public string SnapshotDir => Path.Combine(_repoDir, "snapshots", info.Commit);
        public long TotalSize { get; private set; }
        public long Downloaded => Interlocked.Read(ref _downloaded);

        public async Task RunAsync(CancellationToken ct)
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, hub.Settings.MaxParallel), CancellationToken = ct };
            // A file whose snapshot link exists is complete (links are made only after verification): no request at all,
            // as hf_hub_download does for a commit revision.
            var metadata = new HubFileMetadata?[files.Count];
            var sizes = new long[files.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), parallel, async (i, token) =>
            {
                string pointer = PointerPath(files[i]);
                if (File.Exists(pointer)) { sizes[i] = new FileInfo(pointer).Length; return; }
                var meta = await hub.GetFileMetadataAsync(info.RepoId, info.Commit, files[i], token).ConfigureAwait(false);
                if (meta.Commit is { } c && c != info.Commit)
                    throw new R1SharpException($"the hub served {files[i]} of {info.RepoId} from commit {c}, not {info.Commit}: retry the pull");
                metadata[i] = meta;
                sizes[i] = meta.Size;
            }).ConfigureAwait(false);
            TotalSize = sizes.Sum();
            _done = Enumerable.Range(0, files.Count).Where(i => metadata[i] is null).Sum(i => sizes[i]);
            for (int i = 0; i < files.Count; i++)
                if (metadata[i] is null) progress?.Report(new HubProgress(files[i], sizes[i], sizes[i], _done, TotalSize, true));

            await Parallel.ForEachAsync(Enumerable.Range(0, files.Count).Where(i => metadata[i] is not null), parallel,
                (i, token) => new ValueTask(FetchFileAsync(files[i], metadata[i]!, token))).ConfigureAwait(false);
        }

        string PointerPath(string file) => Path.Combine(SnapshotDir, file.Replace('/', Path.DirectorySeparatorChar));

        async Task FetchFileAsync(string file, HubFileMetadata meta, CancellationToken ct)
        {
            string blob = Path.Combine(_repoDir, "blobs", meta.Etag);
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            Directory.CreateDirectory(_locksDir);
            // Same lock file as huggingface_hub (.locks/models--ORG--NAME/<etag>.lock); .NET's FileShare.None is an
            // flock on Unix, like Python's filelock, so the two tools never write one blob at once.
            using (await AcquireLockAsync(Path.Combine(_locksDir, meta.Etag + ".lock"), hub.Settings.LockTimeout, ct).ConfigureAwait(false))
            {
                if (!File.Exists(blob)) await DownloadBlobAsync(file, meta, blob, ct).ConfigureAwait(false);
                else Report(file, meta.Size, meta.Size, meta.Size, done: true);
            }
            Link(file, meta.Etag);
        }

        // The link appears atomically (made beside it, renamed over), so snapshots/ never shows a half-made entry.
        void Link(string file, string etag)
        {
            string pointer = PointerPath(file);
            Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
            string tmp = pointer + "." + Guid.NewGuid().ToString("N") + ".link";
            File.CreateSymbolicLink(tmp, HubPaths.SnapshotLinkTarget(file, etag));
            File.Move(tmp, pointer, overwrite: true);
        }

        async Task DownloadBlobAsync(string file, HubFileMetadata meta, string blob, CancellationToken ct)
        {
            string incomplete = blob + ".incomplete";
            bool checkSha = HubPaths.IsSha256Etag(meta.Etag);
            for (int round = 0; ; round++)
            {
                string? sha = await FetchToAsync(file, meta, incomplete, checkSha, ct).ConfigureAwait(false);
                if (!checkSha || sha == meta.Etag) break;
                File.Delete(incomplete);
                Report(file, 0, meta.Size, -meta.Size, done: false);
                if (round == 1)
                    throw new R1SharpException($"{file} of {info.RepoId} arrived corrupted twice (sha256 {sha}, expected {meta.Etag}): " +
                        "nothing was kept; check a proxy or HF_ENDPOINT mirror and retry");
            }
            File.Move(incomplete, blob, overwrite: true);
            Report(file, meta.Size, meta.Size, 0, done: true);
        }

        // Appends to <blob>.incomplete from its current length; returns the sha256 (hex) of the whole file when asked.
        async Task<string?> FetchToAsync(string file, HubFileMetadata meta, string incomplete, bool hash, CancellationToken ct)
        {
            var settings = hub.Settings;
            await using var stream = new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
            using var sha = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
            long pos = stream.Length;
            if (pos > meta.Size) { stream.SetLength(0); pos = 0; }
            if (sha is not null && pos > 0) await HashPrefixAsync(stream, sha, ct).ConfigureAwait(false);
            stream.Position = pos;
            Report(file, pos, meta.Size, pos, done: false);
            var buffer = new byte[1 << 16];
            // An empty file needs no request: its blob is the empty file.
            for (int failures = 0; pos < meta.Size;)
            {
                try
                {
                    using var reply = await GetAsync(file, meta, pos, ct).ConfigureAwait(false);
                    if (pos > 0 && reply.StatusCode != HttpStatusCode.PartialContent)
                    {
                        // The server ignored Range: start over rather than append the file's head after its tail.
                        stream.SetLength(0);
                        Report(file, 0, meta.Size, -pos, done: false);
                        pos = 0;
                        sha?.GetHashAndReset();
                    }
                    await using var body = await reply.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    while (true)
                    {
                        stall.CancelAfter(settings.ReadTimeout);
                        int n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                        if (n == 0) break;
                        if (pos + n > meta.Size) throw new R1SharpException($"the hub sent more than the announced {meta.Size} bytes of {file} ({info.RepoId}): retry the pull");
                        await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                        sha?.AppendData(buffer, 0, n);
                        pos += n;
                        failures = 0;
                        Interlocked.Add(ref _downloaded, n);
                        Report(file, pos, meta.Size, n, done: false);
                    }
                    if (pos < meta.Size) throw new IOException($"the connection ended after {pos} of {meta.Size} bytes");
                }
                catch (Exception e) when (HubHttp.IsTransient(e, ct) && failures < settings.MaxRetries)
                {
                    // A dropped connection: wait, then resume from the bytes already on disk.
                    await Task.Delay(hub._http.Backoff(failures++, null), ct).ConfigureAwait(false);
                }
                catch (Exception e) when (HubHttp.IsTransient(e, ct))
                {
                    throw new R1SharpException($"downloading {file} of {info.RepoId} failed {settings.MaxRetries + 1} times ({e.Message}); " +
                        "run `r1 pull` again to resume from the bytes already fetched", e);
                }
            }
            await stream.FlushAsync(ct).ConfigureAwait(false);
            if (stream.Length != meta.Size)
                throw new R1SharpException($"consistency check failed for {file} of {info.RepoId}: {stream.Length} bytes on disk, the hub announced {meta.Size}; retry the pull");
            return sha is null ? null : Convert.ToHexStringLower(sha.GetHashAndReset());
        }

        static async Task HashPrefixAsync(FileStream stream, IncrementalHash sha, CancellationToken ct)
        {
            var buffer = new byte[1 << 16];
            stream.Position = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0) sha.AppendData(buffer, 0, n);
        }

        // GET with Range from pos, following redirects; the token goes only to the hub's own host (a CDN URL is signed).
        async Task<HttpResponseMessage> GetAsync(string file, HubFileMetadata meta, long pos, CancellationToken ct)
        {
            var uri = meta.Location;
            string hubHost = new Uri(hub.Settings.Endpoint).Authority;
            for (int hop = 0; hop < 10; hop++)
            {
                var current = uri;
                var reply = await hub._http.SendAsync(() =>
                {
                    var r = hub._http.Request(HttpMethod.Get, current, withAuth: current.Authority == hubHost);
                    if (pos > 0) r.Headers.Range = new RangeHeaderValue(pos, null);
                    return r;
                }, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                if (IsRedirect(reply.StatusCode) && reply.Headers.Location is { } location)
                {
                    reply.Dispose();
                    uri = new Uri(current, location);
                    CheckRedirect(uri, info.RepoId, file);
                    continue;
                }
                if (reply.IsSuccessStatusCode) return reply;
                using (reply) throw hub._http.Error(reply, info.RepoId, revision, file);
            }
            throw new R1SharpException($"too many redirects downloading {file} of {info.RepoId}");
        }

        void Report(string file, long fileBytes, long fileSize, long delta, bool done)
        {
            long total = Interlocked.Add(ref _done, delta);
            progress?.Report(new HubProgress(file, fileBytes, fileSize, total, TotalSize, done));
        }

        // Waits while another process holds the lock (flock contention), at most `timeout`; any other failure to open
        // the lock file (a name too long, no permission, a full disk) is an error at once, not a reason to retry.
        static async Task<IDisposable> AcquireLockAsync(string path, TimeSpan timeout, CancellationToken ct)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
                catch (IOException e) when (IsLockHeld(e))
                {
                    if (clock.Elapsed >= timeout)
                        throw new R1SharpException($"waited {timeout.TotalSeconds:0} s for the lock file {path}: another download of this " +
                            "file (r1 pull or huggingface_hub) holds it; retry when it is done, or delete the file if no download is running", e);
                    await Task.Delay(100, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw IO.IoErrors.Describe(e, "cannot create the lock file", path);
                }
            }
        }

        // A sharing violation: EWOULDBLOCK from flock on Linux (11) and macOS (35), ERROR_SHARING/LOCK_VIOLATION on Windows.
        static bool IsLockHeld(IOException e) =>
            e is not PathTooLongException && e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
    }
}
