// PNG line charts of training metrics (metrics.jsonl) with ScottPlot 5, rendered headless through its bundled Skia
// assets, with DejaVu Sans embedded in the library so text renders on machines without fonts (DESIGN.md Platform facts).
using System.Reflection;
using R1Sharp.IO;

namespace R1Sharp.Training.Infrastructure;

/// <summary>One chart: a title and the metric keys drawn as lines against "step".</summary>
/// <param name="FileName">PNG file name, e.g. "loss.png".</param>
/// <param name="Title">Chart title.</param>
/// <param name="Keys">Metric keys, one line each; rows without a key are skipped for that line.</param>
public sealed record ChartSpec(string FileName, string Title, IReadOnlyList<string> Keys);

/// <summary>Renders metric charts.</summary>
public static class Charts
{
    /// <summary>The family name the bundled font is registered under.</summary>
    public const string FontName = "DejaVu Sans";

    private static readonly Lazy<string> FontPath = new(ExtractFont);

    /// <summary>
    /// Draws <paramref name="spec"/> from <paramref name="rows"/> into <paramref name="directory"/>/FileName (written
    /// atomically). Returns the path, or null when none of the keys has a value (nothing to draw).
    /// </summary>
    public static string? Render(IReadOnlyList<IReadOnlyDictionary<string, double>> rows, ChartSpec spec, string directory,
        int width = 800, int height = 450)
    {
        var plot = new ScottPlot.Plot();
        int lines = 0;
        foreach (string key in spec.Keys)
        {
            var points = rows.Where(r => r.ContainsKey("step") && r.TryGetValue(key, out double v) && double.IsFinite(v))
                .Select(r => (X: r["step"], Y: r[key])).ToArray();
            if (points.Length == 0) continue;
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
            line.LegendText = key;
            line.MarkerSize = points.Length == 1 ? 5 : 0;
            lines++;
        }
        if (lines == 0) return null;
        plot.Title(spec.Title);
        plot.XLabel("step");
        if (lines > 1) plot.ShowLegend();
        ScottPlot.Fonts.AddFontFile(FontName, FontPath.Value);
        plot.Font.Set(FontName);
        byte[] png = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        string path = Path.Combine(directory, spec.FileName);
        AtomicFile.Write(path, s => s.Write(png));
        return path;
    }

    /// <summary>Reads <paramref name="metricsPath"/> and renders every spec beside it; returns the files written.</summary>
    public static IReadOnlyList<string> RenderAll(string metricsPath, IEnumerable<ChartSpec> specs)
    {
        if (!File.Exists(metricsPath)) return [];
        var rows = MetricsLog.Read(metricsPath);
        string dir = Path.GetDirectoryName(Path.GetFullPath(metricsPath))!;
        return specs.Select(s => Render(rows, s, dir)).Where(p => p is not null).Select(p => p!).ToArray();
    }

    // Skia loads fonts from files: copy the embedded TTF once per process to a content-addressed temp file.
    private static string ExtractFont()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("R1Sharp.DejaVuSans.ttf")
            ?? throw new InvalidOperationException("embedded font R1Sharp.DejaVuSans.ttf is missing from the build");
        string path = Path.Combine(Path.GetTempPath(), $"r1sharp-DejaVuSans-{stream.Length}.ttf");
        if (!File.Exists(path) || new FileInfo(path).Length != stream.Length)
            AtomicFile.Write(path, stream.CopyTo);
        return path;
    }
}
