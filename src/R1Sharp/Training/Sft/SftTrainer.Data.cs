// SftTrainer's data preparation: dataset file or in-memory examples → train/eval examples → tokenized (packed) rows,
// and the deterministic per-epoch order (a pure function of seed and step, so a resumed run sees the same batches).
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;

namespace R1Sharp.Training.Sft;

public static partial class SftTrainer
{
    /// <summary>Reads dataset_path in the configured format into examples.</summary>
    public static IReadOnlyList<SftExample> LoadExamples(SftConfig config, IChatTemplate? template, string eosToken)
    {
        string path = config.DatasetPath ?? throw new R1SharpException("SFT config: dataset_path is required (or pass the data in memory)");
        IChatTemplate Template() => template ?? throw new R1SharpException(
            $"{config.ModelNameOrPath}: the model has no chat template; set chat_template to r1-zero or use dataset_format text");
        return config.DatasetFormat switch
        {
            SftDatasetFormat.Messages => DatasetLoader.LoadConversations(path).Select((c, i) =>
                SftExamples.FromConversation(c.Messages, Template(), $"{path} row {i + 1}")).ToArray(),
            SftDatasetFormat.PromptCompletion => DatasetLoader.LoadPromptCompletions(path).Select(p =>
                SftExamples.FromPromptCompletion(p, template, eosToken)).ToArray(),
            SftDatasetFormat.Problems => DatasetLoader.LoadProblems(path).Select(p => SftExamples.FromProblem(p, Template())).ToArray(),
            _ => LoadTexts(path).Select(t => SftExamples.FromText(t, eosToken)).ToArray(),
        };
    }

    private static IEnumerable<string> LoadTexts(string path)
    {
        foreach (var row in RawRows.Open(path, out _))
        {
            if (row.ParseError is not null) throw new R1SharpException($"{row.Location}: {row.ParseError}");
            if (row.Value.ValueKind != System.Text.Json.JsonValueKind.Object
                || !row.Value.TryGetProperty("text", out var text) || text.ValueKind != System.Text.Json.JsonValueKind.String)
                throw new R1SharpException($"{row.Location}: field 'text': expected a string (dataset_format text reads a \"text\" column)");
            yield return text.GetString()!;
        }
    }

    /// <summary>The template prompts are rendered with, or null when the model has none (text datasets need none).</summary>
    private static IChatTemplate? TemplateFor(SftConfig config, HfTokenizer tokenizer)
    {
        if (config.ChatTemplate == "r1-zero")
            return new R1ZeroTemplate(tokenizer.EosToken ?? DeepSeekR1ChatTemplate.Eos);
        if (config.ChatTemplate != "auto") return ChatTemplate.ForModel(config.ModelNameOrPath, config.ChatTemplate);
        try { return ChatTemplate.FromModelDirectory(config.ModelNameOrPath); }
        catch (R1SharpException) when (config.DatasetFormat is SftDatasetFormat.Text or SftDatasetFormat.PromptCompletion)
        {
            return null;
        }
    }

    private static IReadOnlyList<SftRow> Rows(IEnumerable<SftExample> examples, HfTokenizer tokenizer, SftConfig config)
    {
        var rows = examples.Select(e => SftBatches.Tokenize(e, tokenizer, config.CompletionOnlyLoss, config.MaxLength));
        return config.Packing ? SftBatches.Pack(rows, config.MaxLength) : rows.ToArray();
    }

    /// <summary>The row order of epoch <paramref name="epoch"/>: the seeded permutation of seed + epoch, so a resumed
    /// run sees the same batches (the tail that fills no whole optimizer step is skipped).</summary>
    internal static int[] EpochOrder(int epoch, int rowCount, int seed) => Dataset<int>.Permutation(rowCount, unchecked(seed + epoch));
}
