// SFT data preparation: completion-only labels, truncation, packing boundaries and positions, collation with
// right padding, example conversion from conversations, and config binding/validation errors.
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Training;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Sft;

namespace R1Sharp.Tests.Training.Sft;

public class SftDataTests
{
    static readonly string ModelDir = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");
    static readonly HfTokenizer Tokenizer = HfTokenizer.Load(ModelDir);

    [Fact]
    public void Completion_only_rows_mask_every_prompt_token()
    {
        var template = ChatTemplate.FromModelDirectory(ModelDir);
        var example = SftExamples.FromConversation([ChatTurn.User("what is 2+3?"), ChatTurn.Assistant("<think>\n2+3=5</think> 5")], template);
        Assert.EndsWith("<｜Assistant｜><think>\n", example.Prompt);
        Assert.Equal("2+3=5</think> 5<｜end▁of▁sentence｜>", example.Completion); // prefilled <think> not repeated

        var row = SftBatches.Tokenize(example, Tokenizer, completionOnly: true, maxLength: 1000);
        int promptTokens = Tokenizer.Encode(example.Prompt, addSpecialTokens: false).Length;
        Assert.Equal(Tokenizer.BosId, row.Ids[0]);
        Assert.All(row.Target.Take(promptTokens), t => Assert.False(t));
        Assert.All(row.Target.Skip(promptTokens), t => Assert.True(t));
        Assert.Equal(Tokenizer.EosId, row.Ids[^1]);

        using var batch = SftBatches.Collate([row], padId: 0);
        var labels = batch.Labels.data<long>().ToArray();
        // Position t predicts token t+1: labels before the last prompt position are -100, then the completion tokens.
        Assert.All(labels.Take(promptTokens - 1), l => Assert.Equal(SftBatches.IgnoreIndex, l));
        Assert.Equal(row.Ids.Skip(promptTokens).Select(i => (long)i), labels.Skip(promptTokens - 1).Take(row.Length - promptTokens));
        Assert.Equal(SftBatches.IgnoreIndex, labels[^1]);
        Assert.Equal(row.Length - promptTokens, batch.LossTokens);
    }

    [Fact]
    public void Plain_lm_rows_train_every_token_and_truncate_from_the_right()
    {
        var row = SftBatches.Tokenize(new SftExample("abc def", "ghi jkl mno"), Tokenizer, completionOnly: false, maxLength: 4);
        Assert.Equal(4, row.Length);
        Assert.All(row.Target, Assert.True);
        Assert.Equal(new[] { 0, 1, 2, 3 }, row.Positions);
    }

    static SftRow Row(int start, int n, bool target = true) =>
        new(Enumerable.Range(start, n).ToArray(), Enumerable.Repeat(target, n).ToArray(), Enumerable.Range(0, n).ToArray());

    [Fact]
    public void Packing_keeps_examples_whole_restarts_positions_and_never_targets_across_a_boundary()
    {
        var packed = SftBatches.Pack([Row(10, 3), Row(20, 2), Row(30, 4)], maxLength: 5);
        Assert.Equal(2, packed.Count);
        Assert.Equal(new[] { 10, 11, 12, 20, 21 }, packed[0].Ids);
        Assert.Equal(new[] { 0, 1, 2, 0, 1 }, packed[0].Positions);
        Assert.Equal(new[] { true, true, true, false, true }, packed[0].Target);
        Assert.Equal(new[] { 30, 31, 32, 33 }, packed[1].Ids);

        using var batch = SftBatches.Collate(packed, padId: 7);
        Assert.Equal(new long[] { 2, 5 }, batch.InputIds.shape);
        Assert.Equal(new long[] { 11, 12, -100, 21, -100, 31, 32, 33, -100, -100 }, batch.Labels.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 }, batch.AttentionMask!.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 0, 1, 2, 3, 4 }, batch.Positions.data<long>().ToArray());
        Assert.Equal(7, batch.InputIds.data<long>()[9]);
        Assert.Equal(9, batch.Tokens);
    }

    [Fact]
    public void Unpadded_batches_need_no_attention_mask()
    {
        using var batch = SftBatches.Collate([Row(1, 3), Row(5, 3)], padId: 0);
        Assert.Null(batch.AttentionMask);
    }

    [Fact]
    public void A_conversation_without_an_assistant_reply_is_a_one_line_error()
    {
        var template = ChatTemplate.FromModelDirectory(ModelDir);
        var e = Assert.Throws<R1SharpException>(() => SftExamples.FromConversation([ChatTurn.User("hi")], template, "data.jsonl row 3"));
        Assert.StartsWith("data.jsonl row 3: no assistant message", e.Message);
    }

    [Fact]
    public void Config_binds_trl_names_and_overrides()
    {
        var c = RecipeConfig.ApplyOverrides(new SftConfig(), ["--learning_rate=1e-4", "--lr_scheduler_type=linear", "--packing", "--dataset_format=prompt_completion"]);
        Assert.Equal(1e-4, c.LearningRate);
        Assert.Equal(LrSchedulerType.Linear, c.LrSchedulerType);
        Assert.True(c.Packing);
        Assert.Equal(SftDatasetFormat.PromptCompletion, c.DatasetFormat);
        Assert.True(c.CompletionOnlyLoss);
        Assert.Contains("\"completion_only_loss\": true", c.ToJson());
    }

    [Fact]
    public void Unknown_config_key_suggests_the_closest()
    {
        var e = Assert.Throws<R1SharpException>(() => RecipeConfig.ApplyOverrides(new SftConfig(), ["--learning_rat=1"]));
        Assert.Contains("did you mean 'learning_rate'?", e.Message);
    }

    [Theory]
    [InlineData("--max_steps=0", "max_steps must be positive")]
    [InlineData("--eval_fraction=1", "eval_fraction must be in [0, 1)")]
    [InlineData("--dtype=bfloat16", "dtype 'bfloat16' trains only with use_peft")]
    [InlineData("--max_length=1", "max_length must be >= 2")]
    [InlineData("--model_name_or_path=/nonexistent", "is not a directory")]
    public void Validation_errors_are_one_line_and_name_the_key(string arg, string expected)
    {
        var c = RecipeConfig.ApplyOverrides(new SftConfig { ModelNameOrPath = ModelDir }, [arg]);
        var e = Assert.Throws<R1SharpException>(() => c.Validate());
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("SFT config: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
