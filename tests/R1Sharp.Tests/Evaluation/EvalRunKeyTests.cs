// The identity of an eval run: problem and weight fingerprints, the first differing setting, and the records file's
// key line (written on a fresh file, checked on a resume, refused when the file holds another run or no key).
using R1Sharp.Data;
using R1Sharp.Evaluation;

namespace R1Sharp.Tests.Evaluation;

public sealed class EvalRunKeyTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("r1-runkey-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly Problem[] Two = [new("a", "1+1", "2", null, "t"), new("b", "2+2", "4", null, "t")];

    static EvalRunKey Key(IReadOnlyList<Problem>? problems = null, EvalOptions? options = null, string weights = "sha256:00") =>
        EvalRunKey.Create("/models/m", weights, problems ?? Two, options ?? new EvalOptions(), null, "auto", "f32");

    [Fact]
    public void Problem_fingerprint_changes_with_any_field_and_with_order_but_not_between_calls()
    {
        string h = EvalRunKey.FingerprintProblems(Two);
        Assert.StartsWith("sha256:", h);
        Assert.Equal(71, h.Length);
        Assert.Equal(h, EvalRunKey.FingerprintProblems([.. Two]));
        Assert.NotEqual(h, EvalRunKey.FingerprintProblems([Two[1], Two[0]]));
        Assert.NotEqual(h, EvalRunKey.FingerprintProblems([Two[0], Two[1] with { Answer = "5" }]));
        // Length prefixes: moving text between fields is another list.
        Assert.NotEqual(EvalRunKey.FingerprintProblems([new("ab", "c", "", null, "t")]), EvalRunKey.FingerprintProblems([new("a", "bc", "", null, "t")]));
    }

    [Fact]
    public void Model_fingerprint_sees_a_changed_byte_near_either_end_of_a_weight_file_and_ignores_other_files()
    {
        string model = Path.Combine(_dir, "m");
        Directory.CreateDirectory(model);
        var weights = new byte[3 * EvalRunKey.EdgeBytes];
        new Random(1).NextBytes(weights);
        string file = Path.Combine(model, "model.safetensors");
        File.WriteAllBytes(file, weights);
        File.WriteAllText(Path.Combine(model, "config.json"), "{}");
        string h = EvalRunKey.FingerprintModel(model);
        File.WriteAllText(Path.Combine(model, "README.md"), "notes");
        Assert.Equal(h, EvalRunKey.FingerprintModel(model));
        foreach (int at in new[] { 100, weights.Length - 100 })
        {
            weights[at] ^= 1;
            File.WriteAllBytes(file, weights);
            Assert.NotEqual(h, EvalRunKey.FingerprintModel(model));
            weights[at] ^= 1;
        }
        File.WriteAllBytes(file, weights);
        Assert.Equal(h, EvalRunKey.FingerprintModel(model));
        Assert.NotEqual(h, EvalRunKey.FingerprintModel(file)); // a single file (a GGUF) is keyed by itself
    }

    [Fact]
    public void Difference_names_the_first_setting_that_differs()
    {
        var key = Key();
        Assert.Null(key.Difference(Key()));
        Assert.Equal("--temperature 0.7 there, 0.6 here", key.Difference(Key(options: new EvalOptions { Temperature = 0.7f })));
        Assert.Equal("--samples 4 there, 8 here", key.Difference(Key(options: new EvalOptions { K = 4 })));
        Assert.Equal("weights sha256:11 there, sha256:00 here", key.Difference(Key(weights: "sha256:11")));
        Assert.StartsWith("problems sha256:", key.Difference(Key(problems: Two[..1])));
        Assert.Equal("--dtype 'bf16' there, 'f32' here", key.Difference(key with { DType = "bf16" }));
    }

    [Fact]
    public void The_key_line_is_written_first_resumes_match_and_other_runs_are_refused()
    {
        string path = Path.Combine(_dir, "run.jsonl");
        var key = Key();
        EvalRunner.CheckRun(path, key);
        Assert.Equal(key, EvalRunner.ReadRun(path));
        Assert.Single(File.ReadAllLines(path));
        Assert.StartsWith("{\"eval_run\":{\"model\":\"/models/m\"", File.ReadAllText(path));
        Assert.Empty(EvalRunner.ReadRecords(path)); // the key line is not a record
        EvalRunner.CheckRun(path, key); // same run: accepted, nothing added
        Assert.Single(File.ReadAllLines(path));

        var e = Assert.Throws<R1SharpException>(() => EvalRunner.CheckRun(path, Key(options: new EvalOptions { Seed = 7 })));
        Assert.Equal($"{path} holds another run (--seed 1234 there, 7 here); use another --out, or the same settings to resume", e.Message);

        string old = Path.Combine(_dir, "old.jsonl");
        File.WriteAllText(old, "{\"id\":\"a\",\"question\":\"q\",\"gold\":\"2\",\"completions\":[],\"answers\":[],\"correct\":[]}\n");
        var unkeyed = Assert.Throws<R1SharpException>(() => EvalRunner.CheckRun(old, key));
        Assert.Contains("without a run key", unkeyed.Message);
    }
}
