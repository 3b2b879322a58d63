// metrics.jsonl on a full disk: the failing row is a one-line error naming the file, and the file keeps only whole
// lines (the partial write is cut back), so charts, resume and readers never meet a torn record.
using R1Sharp.Training.Infrastructure;
using Xunit.Abstractions;

namespace R1Sharp.Tests.Training.Infrastructure;

public sealed class MetricsLogDiskFullTests(ITestOutputHelper output)
{
    static Dictionary<string, double> Row(int step) => new()
    {
        ["step"] = step, ["loss"] = 1.0 / (step + 1), ["lr"] = 1e-4, ["grad_norm"] = 0.123456789, ["tokens_per_second"] = 1234.5678,
    };

    [Fact]
    public void A_full_disk_is_a_one_line_error_naming_the_file_and_leaves_no_torn_line()
    {
        using var fs = SmallTmpfs.Create(64, out var whyNot);
        if (fs is null) { output.WriteLine("not run: " + whyNot); return; }
        fs.Fill(leaveBytes: 4096);
        string path = Path.Combine(fs.Path, "metrics.jsonl");
        using var log = new MetricsLog(path);
        R1SharpException? error = null;
        int written = 0;
        for (int step = 1; step < 10_000 && error is null; step++)
        {
            try { log.Write(Row(step)); written++; }
            catch (R1SharpException e) { error = e; }
        }
        Assert.NotNull(error);
        Assert.Contains(path, error!.Message);
        Assert.Contains("no space left on device", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        string text = File.ReadAllText(path);
        Assert.EndsWith("\n", text);
        Assert.Equal(written, MetricsLog.Read(path).Count);
    }

    /// <summary>A memory file whose next write, once armed, stores only part of its bytes and then fails like ENOSPC.</summary>
    sealed class FullDiskStream : MemoryStream
    {
        public int? FailAfterBytes { get; set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (FailAfterBytes is not int n) { base.Write(buffer, offset, count); return; }
            base.Write(buffer, offset, Math.Min(n, count));
            throw new IOException("No space left on device : 'metrics.jsonl'", 28);
        }

        // MemoryStream's span overload would route a subclass back through Write(byte[], ...): one path only.
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);
    }

    [Fact]
    public void A_write_that_fails_halfway_is_cut_back_to_the_previous_row()
    {
        var stream = new FullDiskStream();
        using var log = new MetricsLog(stream, "/runs/a/metrics.jsonl");
        log.Write(Row(1));
        long whole = stream.Length;
        stream.FailAfterBytes = 7;
        var e = Assert.Throws<R1SharpException>(() => log.Write(Row(2)));
        Assert.Equal("cannot append to '/runs/a/metrics.jsonl': no space left on device; free some space or choose another output directory", e.Message);
        Assert.Equal(whole, stream.Length);
        Assert.Equal(MetricsLog.Format(Row(1)) + "\n", System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        stream.FailAfterBytes = null; // space freed: the next row lands on a fresh line
        log.Write(Row(3));
        Assert.Equal(MetricsLog.Format(Row(1)) + "\n" + MetricsLog.Format(Row(3)) + "\n", System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Read_leaves_out_a_torn_last_line_and_names_a_bad_line_elsewhere()
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1-metrics-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "metrics.jsonl");
        File.WriteAllText(path, MetricsLog.Format(Row(1)) + "\n" + "{\"step\":2,\"lo");
        Assert.Single(MetricsLog.Read(path));
        File.WriteAllText(path, "[1]\n" + MetricsLog.Format(Row(1)) + "\n");
        var e = Assert.Throws<R1SharpException>(() => MetricsLog.Read(path));
        Assert.StartsWith($"{path} line 1: not a metrics row", e.Message);
        Directory.Delete(dir, recursive: true);
    }
}
