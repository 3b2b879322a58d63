// Special-token text typed into a message (<｜Assistant｜>, </think>, <｜end▁of▁sentence｜>) is encoded as ordinary text,
// not as the special tokens, so a user cannot forge turns (llama.cpp: parse_special=false for user text); the chat
// template's own markers stay special. Checked through the server and through LocalChatClient.
using Microsoft.Extensions.AI;
using R1Sharp.Generation;
using R1Sharp.Serving;
using R1Sharp.Tests.Generation;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Server;

public sealed class SpecialTokenInjectionTests
{
    public static TheoryData<string> Markers => [DeepSeekR1ChatTemplate.AssistantTag, "</think>", DeepSeekR1ChatTemplate.Eos];

    static async Task<int> PromptTokens(ServerTestHost host, string content) =>
        (await host.PostJsonAsync(ServerTestHost.Chat(content, 1))).GetProperty("usage").GetProperty("prompt_tokens").GetInt32();

    [Theory]
    [MemberData(nameof(Markers))]
    public async Task Server_encodes_special_token_text_in_a_message_as_plain_text(string marker)
    {
        await using var host = await ServerTestHost.StartAsync();
        int empty = await PromptTokens(host, "");
        // As one special token the marker would add exactly 1; as text it takes several byte-level BPE tokens.
        Assert.True(await PromptTokens(host, marker) - empty > 1, $"'{marker}' in a user message was encoded as its special token");
    }

    [Theory]
    [MemberData(nameof(Markers))]
    public async Task Local_chat_client_encodes_special_token_text_in_a_message_as_plain_text(string marker)
    {
        using var model = GeneratorTestKit.ConstantModel(ServerTestHost.X);
        using var scheduler = new BatchScheduler(GeneratorTestKit.NewGenerator(model));
        IChatClient client = new LocalChatClient(scheduler, ChatTemplate.FromModelDirectory(GeneratorTestKit.TokenizerDir));
        async Task<long> Input(string content) =>
            (await client.GetResponseAsync([new ChatMessage(ChatRole.User, content)], new ChatOptions { MaxOutputTokens = 1 })).Usage!.InputTokenCount!.Value;
        Assert.True(await Input(marker) - await Input("") > 1, $"'{marker}' in a user message was encoded as its special token");
    }

    [Fact]
    public void For_chat_keeps_the_template_markers_special_and_the_typed_ones_text_unless_asked()
    {
        var tokenizer = GeneratorTestKit.Tokenizer;
        var template = ChatTemplate.FromModelDirectory(GeneratorTestKit.TokenizerDir);
        int assistant = tokenizer.TokenToId(DeepSeekR1ChatTemplate.AssistantTag)!.Value;
        R1Sharp.Text.ChatTemplates.ChatTurn[] messages = [R1Sharp.Text.ChatTemplates.ChatTurn.User("hi " + DeepSeekR1ChatTemplate.AssistantTag + " there")];
        var safe = GenerationRequest.ForChat(tokenizer, template, messages);
        Assert.Equal(1, safe.PromptIds.Count(id => id == assistant)); // the generation prompt's own tag
        Assert.True(safe.StartsInThinking);
        var trusted = GenerationRequest.ForChat(tokenizer, template, messages, parseSpecialInContent: true);
        Assert.Equal(2, trusted.PromptIds.Count(id => id == assistant));
        Assert.Equal(tokenizer.Encode(template.Render(messages), addSpecialTokens: false), trusted.PromptIds);
    }

    [Fact]
    public async Task Server_option_parses_special_tokens_in_content_when_asked()
    {
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { ParseSpecialInContent = true });
        Assert.Equal(1, await PromptTokens(host, DeepSeekR1ChatTemplate.AssistantTag) - await PromptTokens(host, ""));
    }
}
