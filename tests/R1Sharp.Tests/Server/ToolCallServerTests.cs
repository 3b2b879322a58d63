// Tool calling through the real server on a loopback port with the official OpenAI .NET SDK: a tiny model scripted
// through the sampler (ScriptedSampler) writes DeepSeek-R1 tool calls after its reasoning; the server returns them as
// tool_calls (streamed and not) with finish_reason "tool_calls", honours tool_choice and parallel_tool_calls, and reads
// the call and tool output back in the next turn.
using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using R1Sharp.Tests.Generation;
using R1Sharp.Tests.Serving;

namespace R1Sharp.Tests.Server;

public sealed class ToolCallServerTests
{
    private static Task<ServerTestHost> StartAsync() =>
        ServerTestHost.StartAsync(GeneratorTestKit.RandomModel(1, context: 1024), setup: g => ScriptedSampler.Install(g, ToolScripts.For));

    private static ChatClient Client(ServerTestHost host) =>
        new(ServerTestHost.ModelId, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(host.Server.Address, "v1") });

    private static readonly ChatTool Weather =
        ChatTool.CreateFunctionTool("get_weather", "Get the weather in a city", BinaryData.FromString(ToolScripts.Schema));

    private static ChatCompletionOptions Options(ChatToolChoice? choice = null)
    {
        var o = new ChatCompletionOptions { Tools = { Weather }, Temperature = 0 };
        if (choice is not null) o.ToolChoice = choice;
        return o;
    }

    [Fact]
    public async Task Sdk_gets_tool_calls_then_answers_from_the_tool_output()
    {
        await using var host = await StartAsync();
        var client = Client(host);
        List<OpenAI.Chat.ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];
        ChatCompletion first = await client.CompleteChatAsync(messages, Options());
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(("get_weather", ToolScripts.Args), (call.FunctionName, call.FunctionArguments.ToString()));
        Assert.StartsWith("call_", call.Id);
        Assert.Empty(first.Content);

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "21 °C, sunny"));
        ChatCompletion second = await client.CompleteChatAsync(messages, Options());
        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.Empty(second.ToolCalls);
        Assert.Equal("The tool says: 21 °C, sunny", second.Content[0].Text);
    }

    [Fact]
    public async Task Sdk_streams_tool_call_updates_and_reasoning_stays_out_of_them()
    {
        await using var host = await StartAsync();
        var (text, calls, finish) = await StreamAsync(Client(host), "Weather in Paris and Rome? TWO", Options());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal("", text);
        Assert.Equal([("get_weather", ToolScripts.Args), ("get_weather", "{\"city\": \"Rome\"}")], calls.Values.Select(c => (c.Name, c.Args.ToString())));
        Assert.All(calls.Values, c => Assert.StartsWith("call_", c.Id));
    }

    [Fact]
    public async Task Raw_stream_carries_reasoning_content_then_a_tool_calls_delta()
    {
        await using var host = await StartAsync();
        using var response = await host.PostAsync(ServerTestHost.Chat("Weather?", 400,
            ""","stream":true,"tools":[{"type":"function","function":{"name":"get_weather","parameters":""" + ToolScripts.Schema + "}}]"));
        var chunks = ServerTestHost.SseData(await response.Content.ReadAsStringAsync()).Where(d => d != "[DONE]")
            .Select(d => JsonDocument.Parse(d).RootElement.GetProperty("choices")[0]).ToList();
        string reasoning = string.Concat(chunks.Select(c => c.GetProperty("delta").TryGetProperty("reasoning_content", out var r) ? r.GetString() : ""));
        Assert.Equal(ToolScripts.Reasoning, reasoning);
        var toolDelta = Assert.Single(chunks, c => c.GetProperty("delta").TryGetProperty("tool_calls", out _));
        var call = toolDelta.GetProperty("delta").GetProperty("tool_calls")[0];
        Assert.Equal((0, "function", "get_weather", ToolScripts.Args), (call.GetProperty("index").GetInt32(), call.GetProperty("type").GetString(),
            call.GetProperty("function").GetProperty("name").GetString(), call.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("tool_calls", chunks[^1].GetProperty("finish_reason").GetString());
        Assert.DoesNotContain(chunks, c => c.GetProperty("delta").TryGetProperty("content", out var t) && t.GetString()!.Contains('｜'));
    }

    [Fact]
    public async Task Tool_choice_required_and_named_force_the_call_opening()
    {
        await using var host = await StartAsync();
        var client = Client(host);
        ChatCompletion required = await client.CompleteChatAsync([new UserChatMessage("FORCED")], Options(ChatToolChoice.CreateRequiredChoice()));
        Assert.Equal(("get_weather", ToolScripts.Args), (Assert.Single(required.ToolCalls).FunctionName, required.ToolCalls[0].FunctionArguments.ToString()));
        ChatCompletion named = await client.CompleteChatAsync([new UserChatMessage("NAMED")], Options(ChatToolChoice.CreateFunctionChoice("get_weather")));
        Assert.Equal(ChatFinishReason.ToolCalls, named.FinishReason);
        Assert.Equal(("get_weather", ToolScripts.Args), (Assert.Single(named.ToolCalls).FunctionName, named.ToolCalls[0].FunctionArguments.ToString()));
        // The same scripts with tool_choice auto: nothing opens the call, so nothing parses as one.
        ChatCompletion unforced = await client.CompleteChatAsync([new UserChatMessage("FORCED")], Options());
        Assert.Empty(unforced.ToolCalls);
        Assert.Equal(ChatFinishReason.Stop, unforced.FinishReason);
    }

    [Fact]
    public async Task Tool_choice_none_and_parallel_tool_calls_false()
    {
        await using var host = await StartAsync();
        var client = Client(host);
        ChatCompletion none = await client.CompleteChatAsync([new UserChatMessage("Weather?")], Options(ChatToolChoice.CreateNoneChoice()));
        Assert.Empty(none.ToolCalls);
        Assert.Contains("<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather", none.Content[0].Text);
        var single = Options();
        single.AllowParallelToolCalls = false;
        ChatCompletion one = await client.CompleteChatAsync([new UserChatMessage("TWO")], single);
        Assert.Equal(ToolScripts.Args, Assert.Single(one.ToolCalls).FunctionArguments.ToString());
    }

    [Theory]
    [InlineData(""","tool_choice":{"type":"function","function":{"name":"nope"}}""", "tool_choice")]
    [InlineData(""","tool_choice":"sometimes" """, "tool_choice")]
    [InlineData(""","tools":[{"type":"function","function":{"name":"f","strict":true}}]""", "tools[0].function.strict")]
    [InlineData(""","tools":[{"type":"retrieval"}]""", "tools[0].type")]
    [InlineData(""","tools":[{"type":"function","function":{"name":"has space"}}]""", "tools[0].function.name")]
    [InlineData(""","tools":[{"type":"function","function":{"name":"f","examples":[]}}]""", "tools[0].function.examples")]
    [InlineData(""","tools":[{"type":"function","function":{"name":"f"},"cache":true}]""", "tools[0].cache")]
    [InlineData(""","functions":[{"name":"f"}]""", "functions")]
    [InlineData(""","function_call":"auto" """, "function_call")]
    public async Task Bad_tool_fields_get_a_400_naming_them(string extra, string param)
    {
        await using var host = await ServerTestHost.StartAsync();
        string body = ServerTestHost.Chat("hi", 4, extra.Contains("\"tools\"", StringComparison.Ordinal) || !extra.Contains("tool_choice", StringComparison.Ordinal)
            ? extra : extra + ""","tools":[{"type":"function","function":{"name":"f"}}]""");
        using var response = await host.PostAsync(body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(param, JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Tool_choice_required_without_tools_is_refused()
    {
        await using var host = await ServerTestHost.StartAsync();
        using var response = await host.PostAsync(ServerTestHost.Chat("hi", 4, ""","tool_choice":"required" """));
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("\"param\":\"tool_choice\"", await response.Content.ReadAsStringAsync());
    }

    private static async Task<(string Text, SortedDictionary<int, (string Id, string Name, StringBuilder Args)> Calls, ChatFinishReason? Finish)> StreamAsync(
        ChatClient client, string prompt, ChatCompletionOptions options)
    {
        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Args)>();
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(prompt)], options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var t in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(t.Index, out var c)) calls[t.Index] = c = (t.ToolCallId, t.FunctionName, new StringBuilder());
                c.Args.Append(t.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }
        return (text.ToString(), calls, finish);
    }
}
