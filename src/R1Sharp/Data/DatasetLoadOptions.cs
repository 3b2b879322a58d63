// Options and the skip report of dataset loading (JSONL and Parquet): fail on the first bad row, or skip and count.
namespace R1Sharp.Data;

/// <summary>How to load a dataset file.</summary>
/// <param name="SkipBadRows">False (default): the first malformed row throws an <see cref="R1SharpException"/>
/// naming file, line/row and field. True: malformed rows are skipped and counted in a <see cref="LoadReport"/>.</param>
/// <param name="MaxReasons">How many skip reasons the report keeps (the first ones); default 5.</param>
/// <param name="Source">The <see cref="Problem.Source"/> to stamp; default the file name without extension.</param>
public sealed record DatasetLoadOptions(bool SkipBadRows = false, int MaxReasons = 5, string? Source = null)
{
    /// <summary>Fail on the first bad row.</summary>
    public static DatasetLoadOptions Default { get; } = new();
}

/// <summary>What a load read and skipped.</summary>
/// <param name="Path">The file as given.</param>
/// <param name="RowsRead">Records produced.</param>
/// <param name="RowsSkipped">Malformed rows skipped (only with <see cref="DatasetLoadOptions.SkipBadRows"/>).</param>
/// <param name="SkipReasons">The first few skip reasons, each "file line N: field …" as the exception would say.</param>
public sealed record LoadReport(string Path, int RowsRead, int RowsSkipped, IReadOnlyList<string> SkipReasons)
{
    /// <summary>One line for logs: "data.jsonl: 97 rows, 3 skipped (first: …)".</summary>
    public override string ToString() =>
        RowsSkipped == 0 ? $"{Path}: {RowsRead} rows"
                         : $"{Path}: {RowsRead} rows, {RowsSkipped} skipped (first: {SkipReasons[0]})";
}

/// <summary>Collects counts while a streamed load runs; read <see cref="ToReport"/> after enumerating.</summary>
public sealed class LoadTally
{
    private readonly List<string> _reasons = [];
    private readonly int _maxReasons;

    /// <summary>A tally keeping at most <paramref name="maxReasons"/> reasons.</summary>
    public LoadTally(string path, int maxReasons = 5) => (Path, _maxReasons) = (path, maxReasons);

    /// <summary>The file as given.</summary>
    public string Path { get; }

    /// <summary>Records produced so far.</summary>
    public int RowsRead { get; private set; }

    /// <summary>Rows skipped so far.</summary>
    public int RowsSkipped { get; private set; }

    internal void Read() => RowsRead++;

    internal void Skip(string reason)
    {
        RowsSkipped++;
        if (_reasons.Count < _maxReasons) _reasons.Add(reason);
    }

    /// <summary>An immutable snapshot.</summary>
    public LoadReport ToReport() => new(Path, RowsRead, RowsSkipped, _reasons.ToArray());
}
