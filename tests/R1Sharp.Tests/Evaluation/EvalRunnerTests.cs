// EvalRunner's JSONL records: a cancelled run resumes with only the unfinished problems requested and the same
// summary as an uninterrupted run; a truncated last line (crash mid-write) is redone; a K mismatch is refused.
using System.Text;
using R1Sharp.Evaluation;

namespace R1Sharp.Tests.Evaluation;

public sealed class EvalRunnerTests : IDisposable
{
    const int K = 4;
    readonly string _dir = Directory.CreateTempSubdirectory("r1-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_cancelled_run_resumes_with_only_the_rest_and_the_same_summary()
    {
        string path = Path.Combine(_dir, "run.jsonl");
        await using var fake = await RemoteEvalTests.StartScripted();
        using (var cts = new CancellationTokenSource())
        using (var client = RemoteEvalTests.Client(fake, concurrency: 1))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => EvalRunner.RunAsync(client, RemoteEvalTests.Problems, K, path,
                p => { if (p.Done == 2) cts.Cancel(); }, cts.Token));
        }
        Assert.Equal(["p0", "p1"], EvalRunner.ReadRecords(path).Select(r => r.Id));
        int firstRun = fake.Log.Count;

        int resumedSeen = -1;
        using (var client = RemoteEvalTests.Client(fake, concurrency: 4))
        {
            var resumed = await EvalRunner.RunAsync(client, RemoteEvalTests.Problems, K, path, p => resumedSeen = p.Resumed);
            var asked = fake.Log.Skip(firstRun).Select(r => r.Problem).Distinct().Order();
            Assert.Equal([2, 3], asked); // the finished problems were not requested again
            Assert.Equal(2, resumedSeen);

            await using var fresh = await RemoteEvalTests.StartScripted();
            using var freshClient = RemoteEvalTests.Client(fresh);
            var whole = await EvalRunner.RunAsync(freshClient, RemoteEvalTests.Problems, K);
            Assert.Equal(whole.Summary, resumed.Summary);
            Assert.Equal(0.4375, resumed.Summary.PassAt1);
            Assert.Equal(whole.Records.Select(r => r.Id), resumed.Records.Select(r => r.Id));
        }
        Assert.Equal(4, File.ReadAllLines(path).Length);
    }

    [Fact]
    public async Task A_truncated_last_line_is_dropped_and_its_problem_redone()
    {
        string path = Path.Combine(_dir, "crash.jsonl");
        await using var fake = await RemoteEvalTests.StartScripted(faults: false);
        using var client = RemoteEvalTests.Client(fake);
        await EvalRunner.RunAsync(client, RemoteEvalTests.Problems[..2], K, path);
        string full = File.ReadAllText(path);
        int secondLine = full.IndexOf('\n') + 1;
        // Records are appended in the order problems finish, so the second line may hold p0 or p1.
        string firstId = System.Text.Json.JsonDocument.Parse(full[..(secondLine - 1)]).RootElement.GetProperty("id").GetString()!;
        int cutProblem = firstId == "p0" ? 1 : 0;
        File.WriteAllText(path, full[..(secondLine + 40)], new UTF8Encoding(false)); // the second line cut mid-write
        int before = fake.Log.Count;

        var result = await EvalRunner.RunAsync(client, RemoteEvalTests.Problems, K, path);
        Assert.Equal([cutProblem, 2, 3], fake.Log.Skip(before).Select(r => r.Problem).Distinct().Order());
        Assert.Equal(0.4375, result.Summary.PassAt1);
        var lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Equal(["p0", "p1", "p2", "p3"], EvalRunner.ReadRecords(path).Select(r => r.Id).Order());
    }

    [Fact]
    public async Task A_file_with_another_k_is_refused_with_one_line()
    {
        string path = Path.Combine(_dir, "k.jsonl");
        await using var fake = await RemoteEvalTests.StartScripted(faults: false);
        using (var client = RemoteEvalTests.Client(fake)) await EvalRunner.RunAsync(client, RemoteEvalTests.Problems[..1], K, path);
        using var two = new OpenAiEvalClient(new OpenAiEvalClientOptions { Endpoint = fake.Address.ToString(), ModelName = "m" }, new EvalOptions { K = 2, Seed = 0 });
        var e = await Assert.ThrowsAsync<R1SharpException>(() => EvalRunner.RunAsync(two, RemoteEvalTests.Problems[..1], 2, path));
        Assert.Contains("--samples", e.Message);
        Assert.Contains("p0", e.Message);
    }

    [Fact]
    public void A_corrupt_line_in_the_middle_is_an_error_naming_the_line()
    {
        string path = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(path, "{\"id\":\"a\",\"question\":\"q\",\"gold\":\"1\",\"completions\":[],\"answers\":[],\"correct\":[],\"lengths\":[],\"reasoning_lengths\":[],\"pass_at1\":0,\"cons_at_k\":false}\nnot json\n");
        var e = Assert.Throws<R1SharpException>(() => EvalRunner.ReadRecords(path));
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void Summary_table_shows_every_metric()
    {
        string table = EvalRunner.FormatSummary(new EvalSummary(4, 4, 0.4375, 0.5, 26.5, 1.5, 0), "t");
        Assert.Contains("pass@1 (mean over k)          43.75%", table);
        Assert.Contains("cons@4 (majority vote)        50.00%", table);
        Assert.Contains("26.5", table);
        Assert.Contains("mean reasoning (tokens)", table);
    }
}
