// The in-process IChatClient: thinking arrives as TextReasoningContent, usage carries reasoning tokens, ChatOptions
// and concurrent calls share a scheduler. How ChatOptions map onto generation options: Serving/ChatGenerationTests.
using Microsoft.Extensions.AI;
using R1Sharp.Generation;
using R1Sharp.Serving;
using R1Sharp.Tests.Generation;
using R1Sharp.Tests.Server;
using R1Sharp.Text.ChatTemplates;
using AiReasoningEffort = Microsoft.Extensions.AI.ReasoningEffort;

namespace R1Sharp.Tests.Serving;

public sealed class LocalChatClientTests
{
    static IChatTemplate Template => ChatTemplate.FromModelDirectory(GeneratorTestKit.TokenizerDir);

    [Fact]
    public async Task Streaming_yields_reasoning_then_text_then_usage_with_reasoning_tokens()
    {
        using var model = GeneratorTestKit.ConstantModel(ServerTestHost.X);
        using var scheduler = new BatchScheduler(GeneratorTestKit.NewGenerator(model));
        IChatClient client = new LocalChatClient(scheduler, Template, "const");
        var options = new ChatOptions { MaxOutputTokens = 12, Reasoning = new ReasoningOptions { Effort = AiReasoningEffort.None } };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], options)) updates.Add(u);
        var response = updates.ToChatResponse();
        Assert.Equal("\n", string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text)));
        Assert.StartsWith("xx", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal((12L, 0L), (response.Usage!.OutputTokenCount!.Value, response.Usage.ReasoningTokenCount!.Value));

        var thinking = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { MaxOutputTokens = 6 });
        Assert.Equal("xxxxxx", string.Concat(thinking.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text)));
        Assert.Equal(6L, thinking.Usage!.ReasoningTokenCount);
        Assert.Equal("const", client.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public async Task Concurrent_calls_are_batched_and_match_sequential_ones()
    {
        using var model = GeneratorTestKit.RandomModel(seed: 41);
        using var scheduler = new BatchScheduler(GeneratorTestKit.NewGenerator(model));
        IChatClient client = new LocalChatClient(scheduler, Template);
        var options = new ChatOptions { MaxOutputTokens = 10, Temperature = 0 };
        string[] prompts = ["one", "two two", "three three three"];
        var sequential = new List<string>();
        foreach (var p in prompts) sequential.Add(Describe(await client.GetResponseAsync([new ChatMessage(ChatRole.User, p)], options)));
        var concurrent = await Task.WhenAll(prompts.Select(async p => Describe(await client.GetResponseAsync([new ChatMessage(ChatRole.User, p)], options))));
        Assert.Equal(sequential, concurrent);
    }

    static string Describe(ChatResponse r) =>
        string.Concat(r.Messages.SelectMany(m => m.Contents).Select(c => c is TextReasoningContent t ? "[r]" + t.Text : c is TextContent x ? x.Text : ""));
}
