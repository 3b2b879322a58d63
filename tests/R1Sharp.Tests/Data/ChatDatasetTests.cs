// Conversations and prompt/completion pairs from JSONL and nested Parquet (list<struct<role, content, reasoning_content>>).
using R1Sharp.Data;

using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Data;

public class ChatDatasetTests
{
    private static string F(string name) => ProblemLoadingTests.F(name);

    [Fact]
    public void Conversations_keep_roles_content_and_reasoning()
    {
        var ds = DatasetLoader.LoadConversations(F("conversations.jsonl"));
        Assert.Equal(2, ds.Count);
        Assert.Equal(new ChatTurn(TurnRole.Assistant, "2+2 = 4.", "Add two and two: four."), ds[0].Messages[2]);
        Assert.Equal([TurnRole.User, TurnRole.Assistant, TurnRole.Tool, TurnRole.Assistant], ds[1].Messages.Select(m => m.Role));
        Assert.Null(ds[1].Messages[0].ReasoningContent);
    }

    [Fact]
    public void Nested_parquet_conversations_match_the_jsonl_ones()
    {
        Assert.Equal(DatasetLoader.LoadConversations(F("conversations.jsonl")), DatasetLoader.LoadConversations(F("conversations.parquet")));
    }

    [Fact]
    public void Prompt_completion_text_pairs_load_from_jsonl_and_parquet()
    {
        var ds = DatasetLoader.LoadPromptCompletions(F("prompt_completion.jsonl"));
        Assert.Equal(new PromptCompletion(PromptPart.FromText("The sky is"), PromptPart.FromText(" blue.")), ds[0]);
        Assert.False(ds[0].Prompt.IsConversational);
        Assert.Equal(ds, DatasetLoader.LoadPromptCompletions(F("prompt_completion.parquet")));
    }

    [Fact]
    public void Conversational_prompt_completion_pairs_load_from_jsonl_and_nested_parquet()
    {
        var ds = DatasetLoader.LoadPromptCompletions(F("prompt_completion_conv.jsonl"));
        Assert.True(ds[1].Prompt.IsConversational);
        Assert.Equal([TurnRole.System, TurnRole.User], ds[1].Prompt.Messages!.Select(m => m.Role));
        Assert.Equal(new ChatTurn(TurnRole.Assistant, "Bright.", "Short answer."), ds[1].Completion.Messages![0]);
        Assert.Equal(ds, DatasetLoader.LoadPromptCompletions(F("prompt_completion_conv.parquet")));
    }

    [Fact]
    public void Role_names_round_trip_and_reject_other_spellings()
    {
        foreach (var role in Enum.GetValues<TurnRole>())
            Assert.True(ChatTurn.TryParseRole(ChatTurn.RoleName(role), out var back) && back == role);
        Assert.False(ChatTurn.TryParseRole("User", out _));
        Assert.False(ChatTurn.TryParseRole("bot", out _));
    }
}
