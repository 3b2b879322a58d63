// Tool round trips in process: FunctionInvokingChatClient (Microsoft.Extensions.AI) over LocalChatClient, with the tiny
// model scripted through the sampler (ScriptedSampler, ToolScripts) to call get_weather after its reasoning, then to
// answer from the tool's output; and the FunctionCallContent / ToolMode mapping on its own.
using Microsoft.Extensions.AI;
using R1Sharp.Generation;
using R1Sharp.Serving;
using R1Sharp.Tests.Generation;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Serving;

public sealed class LocalChatClientToolTests : IDisposable
{
    private readonly R1Sharp.Models.DecoderModel _model = GeneratorTestKit.RandomModel(1, context: 1024);
    private readonly BatchScheduler _scheduler;
    private readonly LocalChatClient _local;
    private readonly List<string> _invocations = [];
    private readonly AIFunction _weather;

    public LocalChatClientToolTests()
    {
        var generator = GeneratorTestKit.NewGenerator(_model);
        ScriptedSampler.Install(generator, ToolScripts.For);
        _scheduler = new BatchScheduler(generator);
        _local = new LocalChatClient(_scheduler, ChatTemplate.FromModelDirectory(GeneratorTestKit.TokenizerDir), "scripted");
        _weather = AIFunctionFactory.Create((string city) =>
        {
            lock (_invocations) _invocations.Add(city);
            return $"21 °C and sunny in {city}";
        }, "get_weather", "Get the weather in a city");
    }

    [Fact]
    public async Task Function_invoking_client_completes_a_tool_round_trip()
    {
        using var client = new ChatClientBuilder(_local).UseFunctionInvocation().Build();
        var response = await client.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [_weather] });
        Assert.Equal(["Paris"], _invocations);
        Assert.Equal("The tool says: 21 °C and sunny in Paris", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        var result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        Assert.Equal(ToolScripts.Reasoning, string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text)));
    }

    [Fact]
    public async Task Function_invoking_client_streams_a_round_trip_with_two_calls()
    {
        using var client = new ChatClientBuilder(_local).UseFunctionInvocation().Build();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync("TWO cities", new ChatOptions { Tools = [_weather] })) updates.Add(u);
        Assert.Equal(["Paris", "Rome"], _invocations);
        // The model sees both outputs and the script quotes the last one.
        Assert.EndsWith("The tool says: 21 °C and sunny in Rome", updates.ToChatResponse().Text);
    }

    [Fact]
    public async Task Calls_come_back_as_function_call_content_with_finish_reason_tool_calls()
    {
        IChatClient client = _local;
        var response = await client.GetResponseAsync("Weather?", new ChatOptions { Tools = [_weather] });
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", call.Arguments!["city"]!.ToString());
        Assert.Equal("", response.Text);

        var none = await client.GetResponseAsync("Weather?", new ChatOptions { Tools = [_weather], ToolMode = ChatToolMode.None });
        Assert.Empty(none.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Contains("get_weather", none.Text);

        var forced = await client.GetResponseAsync("FORCED", new ChatOptions { Tools = [_weather], ToolMode = ChatToolMode.RequireAny });
        Assert.Equal("get_weather", Assert.Single(forced.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()).Name);
        var named = await client.GetResponseAsync("NAMED", new ChatOptions { Tools = [_weather], ToolMode = ChatToolMode.RequireSpecific("get_weather") });
        Assert.Equal(ChatFinishReason.ToolCalls, named.FinishReason);
    }

    [Fact]
    public void Tool_options_map_to_settings_and_bad_ones_are_refused_by_name()
    {
        var settings = LocalChatClient.ToSettings(new ChatOptions { Tools = [_weather], ToolMode = ChatToolMode.RequireSpecific("get_weather"), AllowMultipleToolCalls = false });
        var tool = Assert.Single(settings.Tools!);
        Assert.Equal("get_weather", tool.Name);
        Assert.StartsWith("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Get the weather in a city\",\"parameters\":{", tool.Json);
        Assert.Equal((ChatToolChoice.Function("get_weather"), false), (settings.ToolChoice, settings.ParallelToolCalls));
        Assert.Equal("ChatOptions.Tools", Assert.Throws<ChatRequestException>(() =>
            LocalChatClient.ToSettings(new ChatOptions { Tools = [new HostedWebSearchTool()] })).Field);
        var e = Assert.Throws<ChatRequestException>(() => _local.GetResponseAsync("q",
            new ChatOptions { Tools = [_weather], ToolMode = ChatToolMode.RequireSpecific("other") }).GetAwaiter().GetResult());
        Assert.Equal("tool_choice", e.Field);
    }

    [Fact]
    public void History_calls_and_results_render_as_template_tool_turns()
    {
        ChatMessage[] history =
        [
            new(ChatRole.User, "q"),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "sunny"), new FunctionResultContent("c2", new { temp = 21 })]),
        ];
        var rendered = history.SelectMany(LocalChatClientTools.Messages).ToList();
        Assert.Equal(new ChatToolCall("get_weather", "{\"city\":\"Paris\"}", "c1"), Assert.Single(rendered[1].ToolCalls!));
        Assert.Equal([(R1Sharp.Text.ChatTemplates.TurnRole.Tool, "sunny"), (R1Sharp.Text.ChatTemplates.TurnRole.Tool, "{\"temp\":21}")],
            rendered.Skip(2).Select(m => (m.Role, m.Content)));
    }

    public void Dispose()
    {
        _local.Dispose();
        _scheduler.Dispose();
        _model.Dispose();
    }
}
