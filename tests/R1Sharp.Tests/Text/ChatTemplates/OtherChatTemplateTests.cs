// Golden strings for the Qwen2.5, Llama-3.x and R1-Zero templates, derived by hand from the HF Jinja templates
// (Qwen/Qwen2.5-7B-Instruct, meta-llama/Llama-3.1-8B-Instruct, Meta-Llama-3-8B-Instruct) and R1-METHOD.md §3.
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Text.ChatTemplates;

public class Qwen25ChatTemplateTests
{
    private static readonly Qwen25ChatTemplate Qwen = new();

    [Fact]
    public void Inserts_default_system_prompt_when_none_given()
    {
        Assert.Equal("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
                     "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", Qwen.Render([ChatTurn.User("Hi")]));
    }

    [Fact]
    public void Multi_turn_with_systems_keeps_content_and_thinking_verbatim()
    {
        var text = Qwen.Render([
            ChatTurn.System("S1"), ChatTurn.User(" u1 "), ChatTurn.Assistant("<think>r</think>a1"),
            ChatTurn.System("S2"), ChatTurn.User("u2"),
        ], addGenerationPrompt: false);
        Assert.Equal("<|im_start|>system\nS1<|im_end|>\n<|im_start|>user\n u1 <|im_end|>\n<|im_start|>assistant\n<think>r</think>a1<|im_end|>\n" +
                     "<|im_start|>system\nS2<|im_end|>\n<|im_start|>user\nu2<|im_end|>\n", text);
    }

    [Fact]
    public void Tool_call_and_consecutive_tool_outputs_share_one_user_turn()
    {
        var call = new ChatTurn(TurnRole.Assistant, "", ToolCalls: [new ChatToolCall("f", "{\"x\": 1}")]);
        var text = new Qwen25ChatTemplate(defaultSystemPrompt: null).Render(
            [ChatTurn.User("q"), call, ChatTurn.Tool("r1"), ChatTurn.Tool("r2")]);
        Assert.Equal("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}\n</tool_call><|im_end|>\n" +
                     "<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void Stops_on_im_end_and_endoftext()
    {
        Assert.Equal("<|im_end|>", Qwen.EosToken);
        Assert.Equal(["<|im_end|>", "<|endoftext|>"], Qwen.StopStrings);
        Assert.False(Qwen.PrefillsThinking);
    }
}

public class Llama3ChatTemplateTests
{
    private static readonly Llama3ChatTemplate Llama31 = new();

    [Fact]
    public void Llama31_renders_date_preamble_and_trims_content()
    {
        var text = Llama31.Render([
            ChatTurn.System(" Be brief. "), ChatTurn.User("Hi "), ChatTurn.Assistant(" Hello"), ChatTurn.User("2+2?"),
        ]);
        Assert.Equal("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" +
                     "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
                     "<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>" +
                     "<|start_header_id|>assistant<|end_header_id|>\n\n", text);
    }

    [Fact]
    public void Llama31_without_system_still_renders_system_turn_and_no_prompt_when_off()
    {
        Assert.Equal("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" +
                     "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
            Llama31.Render([ChatTurn.User("Hi")], addGenerationPrompt: false));
    }

    [Fact]
    public void Llama31_renders_tool_call_and_ipython_output()
    {
        var call = new ChatTurn(TurnRole.Assistant, "", ToolCalls: [new ChatToolCall("f", "{\"x\": 1}")]);
        var t = new Llama3ChatTemplate(new Llama3TemplateOptions { AddBos = false, DateString = "01 Jan 2025" });
        Assert.Equal("<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 01 Jan 2025\n\n<|eot_id|>" +
                     "<|start_header_id|>user<|end_header_id|>\n\nq<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"f\", \"parameters\": {\"x\": 1}}<|eot_id|>" +
                     "<|start_header_id|>ipython<|end_header_id|>\n\n\" 7 \"<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            t.Render([ChatTurn.User("q"), call, ChatTurn.Tool(" 7 ")]));
        var two = new ChatTurn(TurnRole.Assistant, "", ToolCalls: [new ChatToolCall("f", "{}"), new ChatToolCall("g", "{}")]);
        Assert.Throws<R1SharpException>(() => t.Render([ChatTurn.User("q"), two]));
    }

    [Fact]
    public void Tool_output_is_written_like_python_json_dumps_without_ascii_escaping()
    {
        var sb = Llama3ChatTemplate.AppendPythonJsonString(new System.Text.StringBuilder(), "a\"b\\\n\t\u0001é😀");
        Assert.Equal("\"a\\\"b\\\\\\n\\t\\u0001é😀\"", sb.ToString());
    }

    [Fact]
    public void Llama30_has_no_preamble_and_no_default_system()
    {
        var t = new Llama3ChatTemplate(new Llama3TemplateOptions { DatePreamble = false });
        Assert.Equal("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
                     "<|start_header_id|>assistant<|end_header_id|>\n\n", t.Render([ChatTurn.System("S"), ChatTurn.User(" Hi")]));
        Assert.Equal("<|start_header_id|>assistant<|end_header_id|>\n\n", t.Render([]));
    }

    [Fact]
    public void Stops_on_eot_end_of_text_and_eom()
    {
        Assert.Equal("<|eot_id|>", Llama31.EosToken);
        Assert.Equal(["<|eot_id|>", "<|end_of_text|>", "<|eom_id|>"], Llama31.StopStrings);
    }
}

public class R1ZeroTemplateTests
{
    private const string Preamble =
        "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The assistant first thinks " +
        "about the reasoning process in the mind and then provides the user with the answer. The reasoning process and answer are " +
        "enclosed within <think> </think> and <answer> </answer> tags, respectively, i.e., <think> reasoning process here </think> " +
        "<answer> answer here </answer>.";

    [Fact]
    public void Renders_the_paper_prompt_verbatim()
    {
        var t = new R1ZeroTemplate();
        Assert.Equal(Preamble + " User: What is 2+3. Assistant:", t.Render([ChatTurn.User("What is 2+3")]));
        Assert.Equal(Preamble + " User: What is 2+3.", t.Render([ChatTurn.User("What is 2+3")], addGenerationPrompt: false));
        Assert.Equal(R1ZeroTemplate.Prompt("x"), t.Render([ChatTurn.User("x")]));
        Assert.False(t.PrefillsThinking);
    }

    [Fact]
    public void Renders_completion_after_assistant_marker_and_bos_when_asked()
    {
        var t = new R1ZeroTemplate(eosToken: "<|endoftext|>", bosToken: "<s>");
        Assert.Equal("<s>" + Preamble + " User: q. Assistant: <think> a </think> <answer> 5 </answer>",
            t.Render([ChatTurn.User("q"), ChatTurn.Assistant(" <think> a </think> <answer> 5 </answer>")]));
        Assert.Equal(["<|endoftext|>"], t.StopStrings);
    }

    [Fact]
    public void Folds_earlier_turns_into_one_prompt_without_their_thinking()
    {
        var t = new R1ZeroTemplate();
        ChatTurn[] three = [ChatTurn.User("q1"), ChatTurn.Assistant(" <think> a </think> <answer> 5 </answer>"),
            ChatTurn.User("q2"), ChatTurn.Assistant("<answer> 7 </answer>", " b "), ChatTurn.User("q3")];
        Assert.Equal(Preamble + " User: q1. Assistant: <answer> 5 </answer> User: q2. Assistant: <answer> 7 </answer> User: q3. Assistant:",
            t.Render(three));
        // A trailing assistant message is the completion: verbatim, as in the one-question form.
        Assert.Equal(Preamble + " User: q1. Assistant: <answer> 5 </answer> User: q2. Assistant: <think> c </think>",
            t.Render([three[0], three[1], three[2], ChatTurn.Assistant(" <think> c </think>")]));
        // Folded answers and questions are content (special-token text in them is not parsed).
        var prompt = t.RenderPrompt(three);
        Assert.Contains(prompt.Segments, s => !s.ParseSpecial && s.Text == "<answer> 5 </answer>");
        Assert.Equal("x", R1ZeroTemplate.Answer("<think> y </think> x "));
        Assert.Equal("no thinking", R1ZeroTemplate.Answer(" no thinking"));
    }

    [Fact]
    public void Rejects_system_messages_and_turns_out_of_order()
    {
        var t = new R1ZeroTemplate();
        var system = Assert.Throws<R1SharpException>(() => t.Render([ChatTurn.System("s"), ChatTurn.User("q")]));
        Assert.Contains("message 0 is system", system.Message);
        Assert.Throws<R1SharpException>(() => t.Render([ChatTurn.User("q"), ChatTurn.User("q2")]));
        Assert.Throws<R1SharpException>(() => t.Render([ChatTurn.Assistant("a")]));
        Assert.Throws<R1SharpException>(() => t.Render([]));
    }
}
