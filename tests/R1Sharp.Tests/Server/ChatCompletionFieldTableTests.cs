// Every field of OpenAI's chat-completions request (platform.openai.com API reference, "Create chat completion", read
// 2026-12) and R1Sharp's extensions, with what this server does with it: implemented, accepted without effect on the
// output, or refused with a 400 naming it (unless its value asks for nothing). Nothing is silently ignored.
using System.Text;
using R1Sharp.Server;

namespace R1Sharp.Tests.Server;

public class ChatCompletionFieldTableTests
{
    enum Treatment { Implemented, NoEffect, Refused }

    // (field, treatment, a value that asks for something, a value that asks for nothing or null)
    static readonly (string Field, Treatment Treatment, string Value, string? Nothing)[] s_table =
    [
        ("messages", Treatment.Implemented, "[{\"role\":\"user\",\"content\":\"hi\"}]", null),
        ("model", Treatment.Implemented, "\"m\"", null),
        ("audio", Treatment.Refused, "{\"voice\":\"alloy\",\"format\":\"mp3\"}", null),
        ("frequency_penalty", Treatment.Implemented, "0.5", null),
        ("function_call", Treatment.Refused, "\"auto\"", "\"none\""),
        ("functions", Treatment.Refused, "[{\"name\":\"f\"}]", "[]"),
        ("logit_bias", Treatment.Implemented, "{\"5\":-100}", null),
        ("logprobs", Treatment.Implemented, "true", null),
        ("max_completion_tokens", Treatment.Implemented, "5", null),
        ("max_tokens", Treatment.Implemented, "5", null),
        ("metadata", Treatment.Refused, "{\"k\":\"v\"}", "{}"),
        ("modalities", Treatment.Refused, "[\"text\",\"audio\"]", "[\"text\"]"),
        ("n", Treatment.Implemented, "2", null),
        ("parallel_tool_calls", Treatment.Implemented, "false", "true"),
        ("prediction", Treatment.Refused, "{\"type\":\"content\",\"content\":\"x\"}", null),
        ("presence_penalty", Treatment.Implemented, "0.5", null),
        ("prompt_cache_key", Treatment.NoEffect, "\"k\"", null),
        ("reasoning_effort", Treatment.Implemented, "\"low\"", null),
        ("response_format", Treatment.Implemented, "{\"type\":\"json_object\"}", "{\"type\":\"text\"}"),
        ("safety_identifier", Treatment.NoEffect, "\"u1\"", null),
        ("seed", Treatment.Implemented, "7", null),
        ("service_tier", Treatment.Refused, "\"flex\"", "\"auto\""),
        ("stop", Treatment.Implemented, "[\"x\"]", null),
        ("store", Treatment.Refused, "true", "false"),
        ("stream", Treatment.Implemented, "true", null),
        ("stream_options", Treatment.Implemented, "{\"include_usage\":true}", null),
        ("temperature", Treatment.Implemented, "0.5", null),
        ("tool_choice", Treatment.Implemented, "\"auto\"", "\"none\""),
        ("tools", Treatment.Implemented, "[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]", "[]"),
        ("top_logprobs", Treatment.Implemented, "2", null), // with logprobs true, below
        ("top_p", Treatment.Implemented, "0.5", null),
        ("user", Treatment.NoEffect, "\"u1\"", null),
        ("verbosity", Treatment.Refused, "\"low\"", "\"medium\""),
        ("web_search_options", Treatment.Refused, "{}", null),
        // Extensions: vLLM/DeepSeek/llama.cpp.
        ("top_k", Treatment.Implemented, "5", null),
        ("thinking_budget", Treatment.Implemented, "5", null),
        ("ignore_eos", Treatment.Implemented, "true", null),
        ("chat_template_kwargs", Treatment.Implemented, "{\"enable_thinking\":false}", "{}"),
    ];

    public static TheoryData<string> Fields => [.. s_table.Select(r => r.Field)];

    static ChatCompletionRequest Parse(string field, string value)
    {
        var fields = new Dictionary<string, string> { ["model"] = "\"m\"", ["messages"] = "[{\"role\":\"user\",\"content\":\"hi\"}]", [field] = value };
        if (field == "top_logprobs") fields["logprobs"] = "true";
        string body = "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
        return ChatCompletionRequest.Parse(Encoding.UTF8.GetBytes(body));
    }

    [Theory, MemberData(nameof(Fields))]
    public void Each_field_is_implemented_or_refused_by_name(string field)
    {
        var (_, treatment, value, nothing) = s_table.Single(r => r.Field == field);
        if (treatment == Treatment.Refused)
        {
            var e = Assert.Throws<ApiError>(() => Parse(field, value));
            Assert.Equal((400, field), (e.Status, e.Param));
            Assert.Contains(field, e.Message);
        }
        else Parse(field, value);
        if (nothing is not null) Parse(field, nothing);
        if (field is not ("model" or "messages")) Parse(field, "null"); // null asks for nothing, except where the field is required
    }

    [Fact]
    public void The_table_lists_every_field_the_server_knows_and_unknown_ones_are_refused()
    {
        Assert.Equal(ChatCompletionFields.Known.Order(), s_table.Select(r => r.Field).Order());
        Assert.Equal(s_table.Where(r => r.Treatment != Treatment.Refused).Select(r => r.Field).Order(), ChatCompletionFields.Implemented.Order());
        var e = Assert.Throws<ApiError>(() => Parse("frobnicate", "1"));
        Assert.Equal(("frobnicate", "Unrecognized request argument supplied: frobnicate"), (e.Param, e.Message));
    }
}
