// The one chat → generation mapping: every row is one request written twice, as the server's JSON body and as the
// IChatClient's ChatOptions; both must give the same GenerationOptions, and those the expected ones (issue #12).
using System.Text;
using Microsoft.Extensions.AI;
using R1Sharp.Generation;
using R1Sharp.Server;
using R1Sharp.Serving;
using R1Sharp.Tests.Generation;
using R1Sharp.Text.ChatTemplates;
using AiReasoningEffort = Microsoft.Extensions.AI.ReasoningEffort;

namespace R1Sharp.Tests.Serving;

public sealed class ChatGenerationTests
{
    static readonly IChatTemplate Template = ChatTemplate.FromModelDirectory(GeneratorTestKit.TokenizerDir);

    // A model default with penalties set: a request that sets none must still get OpenAI's 0, from both.
    static readonly GenerationOptions Defaults = new()
    {
        Sampler = new SamplerOptions { Temperature = 0.7f, TopP = 0.9f, TopK = 0, RepetitionPenalty = 1.1f, PresencePenalty = 0.5f, FrequencyPenalty = 0.5f },
        MaxNewTokens = 300,
    };

    static ChatOptions Effort(AiReasoningEffort effort) => new() { Reasoning = new ReasoningOptions { Effort = effort } };

    // name → (JSON fields after "model" and "messages", the same request as ChatOptions, the expected options).
    static readonly Dictionary<string, (string Json, ChatOptions? Options, string Expected)> s_rows = new()
    {
        ["nothing set: model sampling, OpenAI penalties"] = ("", null, "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=-"),
        ["empty options"] = ("", new ChatOptions(), "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=-"),
        ["sampling"] = ("\"temperature\":0.3,\"top_p\":0.8,\"top_k\":5,\"max_tokens\":77",
            new ChatOptions { Temperature = 0.3f, TopP = 0.8f, TopK = 5, MaxOutputTokens = 77 },
            "t=0.3 p=0.8 k=5 rep=1.1 pres=0 freq=0 max=77 n=1 seed=- stop=[] budget=-"),
        ["greedy"] = ("\"temperature\":0", new ChatOptions { Temperature = 0 }, "t=0 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=-"),
        ["penalties"] = ("\"presence_penalty\":1.5,\"frequency_penalty\":-0.25", new ChatOptions { PresencePenalty = 1.5f, FrequencyPenalty = -0.25f },
            "t=0.7 p=0.9 k=0 rep=1.1 pres=1.5 freq=-0.25 max=300 n=1 seed=- stop=[] budget=-"),
        ["stop and seed"] = ("\"stop\":[\"END\",\"##\"],\"seed\":42", new ChatOptions { StopSequences = ["END", "##"], Seed = 42 },
            "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=42 stop=[END|##] budget=-"),
        ["negative seed wraps"] = ("\"seed\":-1", new ChatOptions { Seed = -1 }, "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=18446744073709551615 stop=[] budget=-"),
        ["effort none"] = ("\"reasoning_effort\":\"none\"", Effort(AiReasoningEffort.None), "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=0"),
        ["effort low"] = ("\"reasoning_effort\":\"low\"", Effort(AiReasoningEffort.Low), "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=512"),
        ["effort medium"] = ("\"reasoning_effort\":\"medium\"", Effort(AiReasoningEffort.Medium), "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=2048"),
        ["effort high"] = ("\"reasoning_effort\":\"high\"", Effort(AiReasoningEffort.High), "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=-"),
        ["effort xhigh"] = ("\"reasoning_effort\":\"xhigh\"", Effort(AiReasoningEffort.ExtraHigh), "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=-"),
        ["think budget wins over effort"] = ("\"reasoning_effort\":\"low\",\"thinking_budget\":100",
            new ChatOptions { Reasoning = new ReasoningOptions { Effort = AiReasoningEffort.Low }, AdditionalProperties = new() { ["thinking_budget"] = 100 } },
            "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=100"),
        ["think budget 0"] = ("\"thinking_budget\":0", new ChatOptions { AdditionalProperties = new() { ["thinking_budget"] = 0 } },
            "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=0"),
        ["fields that ask for nothing"] = ("\"logprobs\":false,\"tools\":[],\"response_format\":{\"type\":\"text\"},\"user\":\"u1\"",
            new ChatOptions { Tools = [], ResponseFormat = ChatResponseFormat.Text, Reasoning = new ReasoningOptions { Output = ReasoningOutput.Full } },
            "t=0.7 p=0.9 k=0 rep=1.1 pres=0 freq=0 max=300 n=1 seed=- stop=[] budget=-"),
    };

    public static TheoryData<string> Rows => [.. s_rows.Keys];

    [Theory, MemberData(nameof(Rows))]
    public void Server_and_chat_client_map_a_request_to_the_same_options(string row)
    {
        var (json, chatOptions, expected) = s_rows[row];
        var server = ChatGeneration.Options(Defaults, Template, ServerSettings(json));
        var client = ChatGeneration.Options(Defaults, Template, LocalChatClient.ToSettings(chatOptions));
        Assert.Equal(expected, Describe(server));
        Assert.Equal(expected, Describe(client));
        Assert.Equal(Rest(server), Rest(client));
    }

    [Fact]
    public void Server_and_chat_client_map_tools_the_same_way()
    {
        const string schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}";
        var server = ServerSettings("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"d\",\"parameters\":" + schema +
            "}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},\"parallel_tool_calls\":false");
        var client = LocalChatClient.ToSettings(new ChatOptions
        {
            Tools = [AIFunctionFactory.CreateDeclaration("get_weather", "d", System.Text.Json.JsonDocument.Parse(schema).RootElement)],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            AllowMultipleToolCalls = false,
        });
        Assert.Equal(R1Sharp.Text.ChatTemplates.PythonJson.Dumps(Assert.Single(server.Tools!).Json),
            R1Sharp.Text.ChatTemplates.PythonJson.Dumps(Assert.Single(client.Tools!).Json));
        Assert.Equal((server.ToolChoice, server.ParallelToolCalls), (client.ToolChoice, client.ParallelToolCalls));
        Assert.Equal(ChatToolChoice.Function("get_weather"), server.ToolChoice);
    }

    [Fact]
    public void A_real_models_defaults_come_from_generation_config_with_zero_penalties()
    {
        using var model = GeneratorTestKit.ConstantModel(R1Sharp.Tests.Server.ServerTestHost.X);
        using var scheduler = new BatchScheduler(GeneratorTestKit.NewGenerator(model));
        var (_, server) = ChatGeneration.Prepare(scheduler, Template, [R1Sharp.Text.ChatTemplates.ChatTurn.User("hi")], ServerSettings(""));
        var (_, client) = ChatGeneration.Prepare(scheduler, Template, [R1Sharp.Text.ChatTemplates.ChatTurn.User("hi")], LocalChatClient.ToSettings(null));
        var modelDefaults = scheduler.DefaultOptions();
        Assert.Equal(Describe(server), Describe(client));
        Assert.Equal((modelDefaults.Sampler.Temperature, modelDefaults.Sampler.TopP, 0f, 0f),
            (server.Sampler.Temperature, server.Sampler.TopP, server.Sampler.PresencePenalty, server.Sampler.FrequencyPenalty));
    }

    public static TheoryData<string, string> ServerRefusals => new()
    {
        { "\"functions\":[{\"name\":\"f\"}]", "functions" },
        { "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":true}}]", "tools[0].function.strict" },
        { "\"top_logprobs\":2", "top_logprobs" },
        { "\"logprobs\":true,\"top_logprobs\":21", "top_logprobs" },
        { "\"response_format\":{\"type\":\"json_object\"},\"ignore_eos\":true", "response_format" },
        { "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"object\",\"patternProperties\":{}}}}",
            "response_format.json_schema.schema.patternProperties" },
        { "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{},\"verbose\":true}}", "response_format.json_schema.verbose" },
        { "\"response_format\":{\"type\":\"xml\"}", "response_format.type" },
        { "\"logit_bias\":{\"a\":5}", "logit_bias" },
        { "\"logit_bias\":{\"42\":101}", "logit_bias" },
        { "\"logit_bias\":[1]", "logit_bias" },
        { "\"chat_template_kwargs\":{\"tools\":[]}", "chat_template_kwargs.tools" },
        { "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"response_format\":{\"type\":\"json_object\"}", "response_format" },
        { "\"min_p\":0.1", "min_p" },
        { "\"frobnicate\":1", "frobnicate" },
        { "\"reasoning_effort\":\"huge\"", "reasoning_effort" },
    };

    [Theory, MemberData(nameof(ServerRefusals))]
    public void The_server_refuses_a_field_it_does_not_implement_naming_it(string fields, string field)
    {
        var e = Assert.Throws<ApiError>(() => ChatGeneration.Options(Defaults, Template, ServerSettings(fields)));
        Assert.Equal((400, field), (e.Status, e.Param));
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void The_chat_client_refuses_an_option_it_does_not_implement_naming_it()
    {
        (ChatOptions Options, string Field)[] cases =
        [
            (new() { Tools = [new HostedWebSearchTool()] }, "ChatOptions.Tools"),
            (new() { ResponseFormat = ChatResponseFormat.ForJsonSchema(System.Text.Json.JsonDocument.Parse("{\"type\":\"string\",\"format\":\"date\"}").RootElement) },
                "ChatOptions.ResponseFormat.Schema.format"),
            (new() { ConversationId = "c1" }, "ChatOptions.ConversationId"),
            (new() { Reasoning = new ReasoningOptions { Output = ReasoningOutput.Summary } }, "ChatOptions.Reasoning.Output"),
            (new() { AdditionalProperties = new() { ["min_p"] = 0.1 } }, "ChatOptions.AdditionalProperties[\"min_p\"]"),
            (new() { AdditionalProperties = new() { ["thinking_budget"] = -5 } }, "ChatOptions.AdditionalProperties[\"thinking_budget\"]"),
        ];
        foreach (var (options, field) in cases)
        {
            var e = Assert.Throws<ChatRequestException>(() => ChatGeneration.Options(Defaults, Template, LocalChatClient.ToSettings(options)));
            Assert.Equal(field, e.Field);
            Assert.Contains(field, e.Message);
        }
    }

    // The server's path: the JSON body parsed as the endpoint parses it; the mapping's own refusals become 400s there too.
    static ChatSettings ServerSettings(string fields)
    {
        string body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + (fields.Length > 0 ? "," + fields : "") + "}";
        var settings = ChatCompletionRequest.Parse(Encoding.UTF8.GetBytes(body)).Settings;
        try { ChatGeneration.Options(Defaults, Template, settings); }
        catch (ChatRequestException e) { throw ApiError.BadField(e.Field, e.Message); }
        return settings;
    }

    static string Describe(GenerationOptions o)
    {
        var s = o.Sampler;
        Assert.Equal(Template.StopStrings, o.StopStrings.Take(Template.StopStrings.Count)); // the template's stops always come first
        string F(float x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"t={F(s.Temperature)} p={F(s.TopP)} k={s.TopK} rep={F(s.RepetitionPenalty)} pres={F(s.PresencePenalty)} freq={F(s.FrequencyPenalty)} " +
            $"max={o.MaxNewTokens} n={o.SamplesPerPrompt} seed={o.Seed?.ToString() ?? "-"} " +
            $"stop=[{string.Join('|', o.StopStrings.Skip(Template.StopStrings.Count))}] budget={o.ThinkingBudget?.ToString() ?? "-"}";
    }

    // Everything Describe leaves out must agree too.
    static string Rest(GenerationOptions o) =>
        $"{o.Sampler} {o.LoopGuard} {o.ContextLength} {o.PrefillChunkTokens} {(o.EosTokenIds is null ? "-" : string.Join(',', o.EosTokenIds))}";
}
