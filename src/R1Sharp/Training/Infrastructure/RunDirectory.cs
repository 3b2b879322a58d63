// The output directory of a training run: refuse to start a new run over an earlier one (its metrics, checkpoints
// and model would be overwritten or pruned), unless the user resumes it or asks to replace it (HF Trainer's
// overwrite_output_dir); replacing removes exactly what a run writes and leaves other files alone.
using System.Text.RegularExpressions;

namespace R1Sharp.Training.Infrastructure;

/// <summary>How a run treats what its output directory already holds.</summary>
public enum RunStart
{
    /// <summary>A new run: the directory must hold no earlier run.</summary>
    Fresh,
    /// <summary>Continue the run in the directory from its checkpoint.</summary>
    Resume,
    /// <summary>A new run replacing the earlier one: its files are removed first.</summary>
    Overwrite,
}

/// <summary>Checks and clears training output directories (SFT, GRPO, `r1 zero`).</summary>
public static partial class RunDirectory
{
    /// <summary>
    /// The entries of <paramref name="directory"/> that a training run writes: checkpoint-N folders (and the temporary
    /// ones of a crashed save), metrics.jsonl, completions.jsonl, charts (*.png), evaluation files and summary.json of
    /// `r1 zero`, and the final model directory files (config.json, weights, tokenizer files). Empty when it does not exist.
    /// </summary>
    public static IReadOnlyList<string> RunEntries(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        return [.. Directory.EnumerateFileSystemEntries(directory).Where(p => IsRunEntry(Path.GetFileName(p))).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Prepares <paramref name="directory"/> for a run: <see cref="RunStart.Fresh"/> throws a one-line
    /// <see cref="R1SharpException"/> when it holds an earlier run (saying to pass <paramref name="resumeOption"/> or
    /// <paramref name="overwriteOption"/>); <see cref="RunStart.Overwrite"/> deletes that run's entries;
    /// <see cref="RunStart.Resume"/> leaves it as it is (the trainer then needs its checkpoint).
    /// </summary>
    /// <param name="directory">The output directory.</param>
    /// <param name="start">How the run starts.</param>
    /// <param name="what">How the user named the directory in errors, e.g. "output_dir".</param>
    /// <param name="resumeOption">The option that resumes, e.g. "--resume".</param>
    /// <param name="overwriteOption">The option that replaces, e.g. "--overwrite".</param>
    public static void Prepare(string directory, RunStart start, string what = "output_dir",
        string resumeOption = "--resume", string overwriteOption = "--overwrite")
    {
        var entries = RunEntries(directory);
        if (entries.Count == 0 || start == RunStart.Resume) return;
        if (start == RunStart.Fresh)
        {
            string shown = string.Join(", ", entries.Take(3).Select(Path.GetFileName)) + (entries.Count > 3 ? $", … ({entries.Count} in all)" : "");
            throw new R1SharpException($"{what} {directory} holds an earlier run ({shown}); pass {resumeOption} to continue it, " +
                $"{overwriteOption} to replace it, or choose another {what}");
        }
        foreach (string entry in entries)
        {
            try
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw IO.IoErrors.Describe(e, $"{overwriteOption}: cannot remove", entry);
            }
        }
    }

    /// <summary>True for a file or folder name a training run writes (see <see cref="RunEntries"/>).</summary>
    public static bool IsRunEntry(string name) => RunEntryPattern().IsMatch(name);

    [GeneratedRegex("""
        ^(?:
            \.?checkpoint-.*                                        # checkpoints, their temporary and replaced copies
          | metrics\.jsonl | completions\.jsonl | summary\.json      # logs of SFT, GRPO and r1 zero
          | eval_(?:base|final)(?:_summary)?\.json(?:l)?            # r1 zero evaluations
          | [^/]+\.png                                              # charts
          | runs                                                    # TensorBoard event files (report_to)
          | config\.json | generation_config\.json                   # the final model directory
          | model(?:-\d+-of-\d+)?\.safetensors | model\.safetensors\.index\.json
          | tokenizer\.json | tokenizer_config\.json | special_tokens_map\.json | chat_template\.jinja
          | \..+\.tmp                                               # temporary files of an interrupted atomic write
        )$
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex RunEntryPattern();
}
