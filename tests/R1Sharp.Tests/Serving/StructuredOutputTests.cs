// Structured output through LocalChatClient on a random model: whatever the weights, the answer under a schema parses
// and validates, json_object answers are objects, and the thinking before the answer stays free.
using System.Text.Json;
using Microsoft.Extensions.AI;
using R1Sharp.Generation;
using R1Sharp.Serving;
using R1Sharp.Tests.Generation;
using R1Sharp.Text.ChatTemplates;
using AiReasoningEffort = Microsoft.Extensions.AI.ReasoningEffort;

namespace R1Sharp.Tests.Serving;

/// <summary>A strict schema and its hand-written check, shared with the server tests.</summary>
public static class VerdictSchema
{
    /// <summary>A strict schema whose every valid answer is short, so a random model always finishes it.</summary>
    public const string Verdict = """
        {"type":"object","properties":{"answer":{"enum":["yes","no"]},"confident":{"type":"boolean"},"votes":{"type":"integer"},
         "note":{"type":["null","boolean"]}},"required":["answer","confident","votes","note"],"additionalProperties":false}
        """;

    /// <summary>Checks <paramref name="text"/> against <see cref="Verdict"/> by hand.</summary>
    public static void AssertVerdict(string text)
    {
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal(["answer", "confident", "votes", "note"], root.EnumerateObject().Select(p => p.Name));
        Assert.Contains(root.GetProperty("answer").GetString(), new[] { "yes", "no" });
        Assert.Contains(root.GetProperty("confident").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.True(root.GetProperty("votes").TryGetInt64(out _));
        Assert.Contains(root.GetProperty("note").ValueKind, new[] { JsonValueKind.Null, JsonValueKind.True, JsonValueKind.False });
    }
}

public sealed class StructuredOutputTests
{
    static IChatTemplate Template => ChatTemplate.FromModelDirectory(GeneratorTestKit.TokenizerDir);

    static ChatOptions Options(ChatResponseFormat format, int seed, bool strict = true) => new()
    {
        ResponseFormat = format, Seed = seed, Temperature = 1f, MaxOutputTokens = 300,
        Reasoning = new ReasoningOptions { Effort = AiReasoningEffort.None },
        AdditionalProperties = strict ? new() { ["strictJsonSchema"] = true } : null,
    };

    [Fact]
    public async Task Every_answer_under_a_schema_parses_and_validates()
    {
        using var model = GeneratorTestKit.RandomModel(seed: 5);
        using var scheduler = new BatchScheduler(GeneratorTestKit.NewGenerator(model));
        IChatClient client = new LocalChatClient(scheduler, Template);
        var format = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse(VerdictSchema.Verdict).RootElement, "verdict");
        for (int seed = 0; seed < 8; seed++)
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Is it?")], Options(format, seed));
            Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
            VerdictSchema.AssertVerdict(response.Text);
        }
    }

    [Fact]
    public async Task Json_object_answers_are_objects_and_thinking_stays_free()
    {
        using var model = GeneratorTestKit.RandomModel(seed: 9);
        using var scheduler = new BatchScheduler(GeneratorTestKit.NewGenerator(model));
        IChatClient client = new LocalChatClient(scheduler, Template);
        int finished = 0;
        for (int seed = 0; seed < 6; seed++)
        {
            var options = Options(ChatResponseFormat.Json, seed, strict: false);
            options.Reasoning = null;
            options.AdditionalProperties = new() { ["thinking_budget"] = 6 };
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Give JSON")], options);
            Assert.Equal(6L, response.Usage!.ReasoningTokenCount);
            string reasoning = string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text));
            Assert.NotEqual("", reasoning);
            if (response.FinishReason == ChatFinishReason.Length) continue; // a random model may write a long string
            finished++;
            using var doc = JsonDocument.Parse(response.Text);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }
        Assert.True(finished > 0, "no json_object answer finished within 300 tokens");
    }

    [Fact]
    public void The_constraint_applies_only_after_thinking_and_ignore_eos_is_refused()
    {
        var settings = new ChatSettings { ResponseFormat = new JsonResponseFormat(null, false, "response_format"), IgnoreEos = true };
        var e = Assert.Throws<ChatRequestException>(() => ChatGeneration.Options(new GenerationOptions(), Template, settings));
        Assert.Equal("response_format", e.Field);
    }
}
