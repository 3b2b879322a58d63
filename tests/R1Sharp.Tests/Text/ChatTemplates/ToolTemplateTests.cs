// Golden prompts with a tools list, derived by hand from the HF Jinja templates: Qwen2.5-7B-Instruct (# Tools system block,
// tool | tojson), Llama-3.1/3.2-Instruct (Environment: ipython, tools as tojson(indent=4) in the first user turn),
// DeepSeek-R1 (the template never reads tools). PythonJson against json.dumps examples.
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Text.ChatTemplates;

public class ToolTemplateTests
{
    private static readonly ChatTool Weather = ChatTool.Function("get_weather", "Get the weather",
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");

    private const string WeatherJson = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\", " +
        "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}";

    private const string WeatherJsonIndent4 = "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n" +
        "        \"description\": \"Get the weather\",\n        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": {\n" +
        "                \"city\": {\n                    \"type\": \"string\"\n                }\n            },\n            \"required\": [\n" +
        "                \"city\"\n            ]\n        }\n    }\n}";

    [Fact]
    public void Python_json_dumps_spacing_and_indent()
    {
        string json = "{\"a\":[1,{}],\"b\":\"é\\n\",\"c\":null,\"d\":[]}";
        Assert.Equal("{\"a\": [1, {}], \"b\": \"é\\n\", \"c\": null, \"d\": []}", PythonJson.Dumps(json));
        Assert.Equal("{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": \"é\\n\",\n  \"c\": null,\n  \"d\": []\n}", PythonJson.Dumps(json, indent: 2));
        Assert.Equal(WeatherJson, PythonJson.Dumps(Weather.Json));
        Assert.Equal(WeatherJsonIndent4, PythonJson.Dumps(Weather.Json, indent: 4));
    }

    private const string QwenToolsBlock = "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" + WeatherJson + "\n</tools>\n\n" +
        "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
        "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    [Fact]
    public void Qwen25_tools_go_into_the_default_system_turn()
    {
        Assert.Equal("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant." + QwenToolsBlock +
                     "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n",
            new Qwen25ChatTemplate().RenderPrompt([ChatTurn.User("Weather in Paris?")], [Weather]).Text);
    }

    [Fact]
    public void Qwen25_tools_follow_a_given_system_message()
    {
        Assert.Equal("<|im_start|>system\nBe brief." + QwenToolsBlock + "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n",
            new Qwen25ChatTemplate().RenderPrompt([ChatTurn.System("Be brief."), ChatTurn.User("q")], [Weather]).Text);
        Assert.Equal(ToolCallFormat.Hermes, ((IChatTemplate)new Qwen25ChatTemplate()).ToolFormat);
    }

    [Fact]
    public void Llama31_tools_in_the_first_user_turn_with_ipython_environment()
    {
        var t = new Llama3ChatTemplate(new Llama3TemplateOptions { AddBos = false, DateString = "01 Jan 2025" });
        Assert.Equal("<|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 01 Jan 2025\n\n" +
                     "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" +
                     "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
                     "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n" +
                     WeatherJsonIndent4 + "\n\nWeather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            t.RenderPrompt([ChatTurn.System("Be brief."), ChatTurn.User(" Weather in Paris? ")], [Weather]).Text);
        Assert.Equal(ToolCallFormat.Llama3Json, ((IChatTemplate)t).ToolFormat);
    }

    [Fact]
    public void Llama_tools_need_a_first_message_and_llama30_has_no_tool_format()
    {
        var e = Assert.Throws<R1SharpException>(() => new Llama3ChatTemplate().RenderPrompt([ChatTurn.System("s")], [Weather]));
        Assert.Contains("no first user message", e.Message);
        var llama30 = new Llama3ChatTemplate(new Llama3TemplateOptions { DatePreamble = false });
        Assert.Null(((IChatTemplate)llama30).ToolFormat);
        Assert.Throws<R1SharpException>(() => llama30.RenderPrompt([ChatTurn.User("q")], [Weather]));
    }

    [Fact]
    public void DeepSeek_r1_template_renders_the_same_with_tools_and_r1_zero_refuses_them()
    {
        var r1 = new DeepSeekR1ChatTemplate();
        ChatTurn[] messages = [ChatTurn.User("q")];
        Assert.Equal(r1.Render(messages), r1.RenderPrompt(messages, [Weather]).Text);
        Assert.Equal(ToolCallFormat.DeepSeekR1, ((IChatTemplate)r1).ToolFormat);
        IChatTemplate zero = new R1ZeroTemplate();
        Assert.Null(zero.ToolFormat);
        Assert.Contains("no tool-call format", Assert.Throws<R1SharpException>(() => zero.RenderPrompt(messages, [Weather])).Message);
        Assert.Equal(zero.Render(messages), zero.RenderPrompt(messages, []).Text);
    }
}
