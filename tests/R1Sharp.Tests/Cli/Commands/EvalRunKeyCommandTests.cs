// `r1 eval` never mixes runs: two models evaluated in one folder get their own default files and their own numbers,
// and a resume with a changed setting is a one-line error (exit 2) before the model loads.
using R1Sharp.Evaluation;

namespace R1Sharp.Tests.Cli.Commands;

public sealed class EvalRunKeyCommandTests : IDisposable
{
    static readonly string Models = Path.Combine(RepoPaths.Root, "models");
    readonly string _dir = Directory.CreateTempSubdirectory("r1-evalkey-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string[] Eval(string model, params string[] more) =>
        ["eval", "--model", Path.Combine(Models, model), "--task", "chain-sum", "--limit", "3", "--samples", "2", .. more];

    [Fact]
    public void Two_models_in_one_folder_each_get_their_own_file_and_numbers()
    {
        var qwen = R1Process.RunIn(_dir, Eval("chain-sum-base"));
        Assert.True(qwen.ExitCode == 0, qwen.Stderr);
        var v3 = R1Process.RunIn(_dir, Eval("chain-sum-base-v3"));
        Assert.True(v3.ExitCode == 0, v3.Stderr);
        Assert.DoesNotContain("resuming", v3.Stderr);
        Assert.Contains("-> eval-chain-sum-base-v3-chain-sum.jsonl", v3.Stderr);

        string a = Path.Combine(_dir, "eval-chain-sum-base-chain-sum.jsonl"), b = Path.Combine(_dir, "eval-chain-sum-base-v3-chain-sum.jsonl");
        Assert.EndsWith("models/chain-sum-base", EvalRunner.ReadRun(a)!.Model);
        Assert.EndsWith("models/chain-sum-base-v3", EvalRunner.ReadRun(b)!.Model);
        Assert.NotEqual(EvalRunner.ReadRecords(a).Select(r => r.Completions[0]), EvalRunner.ReadRecords(b).Select(r => r.Completions[0]));

        var again = R1Process.RunIn(_dir, Eval("chain-sum-base"));
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("resuming: 3 of 3 problems", again.Stderr);
        Assert.Equal(qwen.Stdout, again.Stdout);
    }

    [Theory]
    [InlineData("--temperature", "0.7", "(--temperature 0.6 there, 0.7 here)")]
    [InlineData("--seed", "9", "(--seed 1234 there, 9 here)")]
    [InlineData("--dtype", "bf16", "(--dtype 'f32' there, 'bf16' here)")]
    public void A_resume_with_another_setting_is_refused_in_one_line(string flag, string value, string expected)
    {
        string outPath = Path.Combine(_dir, "run.jsonl");
        Assert.Equal(0, R1Process.Run([.. Eval("chain-sum-base", "--out", outPath)]).ExitCode);
        var before = File.ReadAllText(outPath);
        var other = R1Process.Run([.. Eval("chain-sum-base", "--out", outPath, flag, value)]);
        Assert.Equal(2, other.ExitCode);
        Assert.Equal($"error: {outPath} holds another run {expected}; use another --out, or the same settings to resume", other.Stderr.Trim());
        Assert.Equal(before, File.ReadAllText(outPath));
    }
}
