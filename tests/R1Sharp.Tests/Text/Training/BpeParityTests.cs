// Parity of a tokenizer trained here with transformers.js (@lenml/tokenizers 3.7.2, tools/bpe-parity):
// the same token ids from HfTokenizer and from transformers.js on >= 200 strings. Needs node on PATH.
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using R1Sharp.Text;

namespace R1Sharp.Tests.Text.Training;

public class BpeParityTests
{
    [Fact]
    public void Trained_tokenizer_encodes_like_transformers_js()
    {
        var (result, dir) = TrainedTokenizerWriterTests.TrainAndSave(vocabSize: 500);
        string[] inputs = ParityStrings();
        Assert.True(inputs.Length >= 200, $"only {inputs.Length} parity strings");
        string inputsPath = Path.Combine(dir, "inputs.json");
        File.WriteAllText(inputsPath, JsonSerializer.Serialize(inputs));

        int[][] expected = JsonSerializer.Deserialize<int[][]>(RunNode(dir, inputsPath))!;
        var tok = HfTokenizer.Load(dir);
        Assert.Equal(inputs.Length, expected.Length);
        for (int i = 0; i < inputs.Length; i++)
            Assert.True(expected[i].SequenceEqual(tok.Encode(inputs[i], addSpecialTokens: false)),
                $"ids differ for {JsonSerializer.Serialize(inputs[i])}: js [{string.Join(",", expected[i])}] vs ours [{string.Join(",", tok.Encode(inputs[i], false))}]");
        Assert.Contains(expected, ids => ids.Contains(result.FirstSpecialId));
        Assert.Contains(expected, ids => ids.Any(id => id >= 256 + 200 && id < result.FirstSpecialId));
    }

    // Corpus lines with and without newline, upper-cased, pairs joined, and held-out edge cases.
    private static string[] ParityStrings()
    {
        string[] lines = File.ReadAllLines(BpeTrainerTests.CorpusPath);
        var set = new List<string>();
        set.AddRange(lines);
        set.AddRange(lines.Select(l => l + "\n"));
        set.AddRange(lines.Select(l => l.ToUpperInvariant()));
        set.AddRange(lines.Zip(lines.Skip(1), (a, b) => a + "\n" + b));
        set.AddRange([
            "", " ", "  ", "\n", "\n\n\n", "\t\t x", "a  b   c    d", "trailing   ", "   leading",
            "e\u0301cole, cafe\u0301, n\u0303", "Å vs A\u030A", "<|endoftext|>", "<|endoftext|><|endoftext|>",
            "x<think>y</think>z", "<think >not special</ think>", "<|endoftext", "1234567890 0.000001 -42",
            "🤖🤖🤖 robots", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢!!!", "unseen words: xylophone, quizzical, zephyr",
            "Mixed 中文 and English and 日本語 and 한국어", "\r\n windows \r\n line \r\n ends", "’curly’ “quotes”",
        ]);
        return set.Distinct().ToArray();
    }

    private static string RunNode(string tokenizerDir, string inputsPath)
    {
        string tool = RepoPaths.Tool("bpe-parity");
        if (!Directory.Exists(Path.Combine(tool, "node_modules")))
            Run("npm", $"ci --no-audit --no-fund", tool, "npm ci in tools/bpe-parity failed");
        return Run("node", $"encode.mjs \"{tokenizerDir}\" \"{inputsPath}\"", tool, "node encode.mjs failed");
    }

    private static string Run(string exe, string args, string workDir, string failure)
    {
        var psi = new ProcessStartInfo(exe, args) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (Win32Exception)
        {
            Assert.Fail($"'{exe}' is not on PATH: the BPE parity test needs Node.js (18+) and npm; install them (CI: run `npm ci` in tools/bpe-parity)");
            throw;
        }
        using (p)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) Assert.Fail($"{failure} (exit {p.ExitCode}): {stderr.Result}");
            return stdout;
        }
    }

}
