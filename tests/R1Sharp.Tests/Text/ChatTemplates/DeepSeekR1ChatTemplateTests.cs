// Golden strings for the DeepSeek-R1 template, derived by hand from the HF Jinja templates (SERVING.md §2):
// deepseek-ai/DeepSeek-R1 (variant R1) and R1-Distill-Qwen-32B as copied into llama.cpp models/templates (variant Distill).
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Text.ChatTemplates;

public class DeepSeekR1ChatTemplateTests
{
    private static readonly DeepSeekR1ChatTemplate R1 = new();
    private static readonly DeepSeekR1ChatTemplate Distill = new(new DeepSeekR1TemplateOptions { Variant = DeepSeekR1TemplateVariant.Distill });

    [Fact]
    public void Renders_litellm_example_with_system_and_think_prefill()
    {
        var text = R1.Render([ChatTurn.System("You are a good assistant"), ChatTurn.User("What is the weather in Copenhagen?")]);
        Assert.Equal("<｜begin▁of▁sentence｜>You are a good assistant<｜User｜>What is the weather in Copenhagen?<｜Assistant｜><think>\n", text);
        Assert.True(ChatTemplate.EndsInThinking(text));
    }

    [Fact]
    public void Earlier_assistant_turns_keep_only_text_after_last_think_close_untrimmed()
    {
        var text = R1.Render([
            ChatTurn.System("Be exact."),
            ChatTurn.User("What is 2+2?"),
            ChatTurn.Assistant("<think>\nadd them\n</think>\n\n4", reasoningContent: "ignored"),
            ChatTurn.User(" And 3+3? "),
        ]);
        Assert.Equal("<｜begin▁of▁sentence｜>Be exact.<｜User｜>What is 2+2?<｜Assistant｜>\n\n4<｜end▁of▁sentence｜>" +
                     "<｜User｜> And 3+3? <｜Assistant｜><think>\n", text);
    }

    [Fact]
    public void Split_on_think_close_uses_the_last_tag_and_leaves_tagless_content_alone()
    {
        Assert.Equal("c", DeepSeekR1ChatTemplate.AfterLastThinkClose("a</think>b</think>c"));
        Assert.Equal("plain", DeepSeekR1ChatTemplate.AfterLastThinkClose("plain"));
        Assert.Equal("", DeepSeekR1ChatTemplate.AfterLastThinkClose("r</think>"));
    }

    [Fact]
    public void Without_generation_prompt_ends_after_the_last_turn()
    {
        var text = R1.Render([ChatTurn.User("Hi"), ChatTurn.Assistant("Hello!")], addGenerationPrompt: false);
        Assert.Equal("<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜>Hello!<｜end▁of▁sentence｜>", text);
        Assert.False(ChatTemplate.EndsInThinking(text));
    }

    [Fact]
    public void R1_joins_several_system_messages_with_blank_line_wherever_they_are()
    {
        var msgs = new[] { ChatTurn.System("A"), ChatTurn.User("q"), ChatTurn.System("B") };
        Assert.Equal("<｜begin▁of▁sentence｜>A\n\nB<｜User｜>q<｜Assistant｜><think>\n", R1.Render(msgs));
    }

    [Fact]
    public void Distill_keeps_only_the_last_system_message()
    {
        var msgs = new[] { ChatTurn.System("A"), ChatTurn.User("q"), ChatTurn.System("B") };
        Assert.Equal("<｜begin▁of▁sentence｜>B<｜User｜>q<｜Assistant｜><think>\n", Distill.Render(msgs));
    }

    [Fact]
    public void Bos_is_left_out_when_the_runtime_adds_it()
    {
        var t = new DeepSeekR1ChatTemplate(new DeepSeekR1TemplateOptions { AddBos = false });
        Assert.Equal("<｜User｜>q<｜Assistant｜><think>\n", t.Render([ChatTurn.User("q")]));
    }

    [Fact]
    public void Old_template_without_think_prefill_ends_with_assistant_tag()
    {
        var t = new DeepSeekR1ChatTemplate(new DeepSeekR1TemplateOptions { PrefillThinking = false });
        Assert.Equal("<｜begin▁of▁sentence｜><｜User｜>q<｜Assistant｜>", t.Render([ChatTurn.User("q")]));
        Assert.False(t.PrefillsThinking);
    }

    [Fact]
    public void R1_renders_tool_call_then_outputs_without_generation_prompt()
    {
        var call = new ChatTurn(TurnRole.Assistant, "", ToolCalls: [new ChatToolCall("get_weather", "{\"city\": \"Paris\"}")]);
        var msgs = new[] { ChatTurn.User("Weather?"), call, ChatTurn.Tool("18C"), ChatTurn.Tool("sunny") };
        Assert.Equal(
            "<｜begin▁of▁sentence｜><｜User｜>Weather?<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n" +
            "```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>" +
            "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>18C<｜tool▁output▁end｜><｜tool▁output▁begin｜>sunny<｜tool▁output▁end｜><｜tool▁outputs▁end｜>",
            R1.Render(msgs));
    }

    [Fact]
    public void R1_renders_two_calls_and_the_answer_after_tool_outputs()
    {
        var call = new ChatTurn(TurnRole.Assistant, "Checking.", ToolCalls: [new ChatToolCall("a", "{}"), new ChatToolCall("b", "[1]")]);
        var msgs = new[] { ChatTurn.User("q"), call, ChatTurn.Tool("x"), ChatTurn.Assistant("<think>kept</think>done") };
        Assert.Equal(
            "<｜begin▁of▁sentence｜><｜User｜>q<｜Assistant｜>Checking.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>a\n```json\n{}\n```<｜tool▁call▁end｜>" +
            "\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>b\n```json\n[1]\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>" +
            "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>x<｜tool▁output▁end｜><｜tool▁outputs▁end｜><think>kept</think>done<｜end▁of▁sentence｜>" +
            "<｜Assistant｜><think>\n",
            R1.Render(msgs));
    }

    [Fact]
    public void Distill_separates_later_tool_outputs_with_newline_and_refuses_tool_calls()
    {
        var msgs = new[] { ChatTurn.User("q"), ChatTurn.Tool("1"), ChatTurn.Tool("2") };
        Assert.Equal("<｜begin▁of▁sentence｜><｜User｜>q<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>1<｜tool▁output▁end｜>" +
                     "\n<｜tool▁output▁begin｜>2<｜tool▁output▁end｜><｜tool▁outputs▁end｜>", Distill.Render(msgs));
        var call = new ChatTurn(TurnRole.Assistant, "", ToolCalls: [new ChatToolCall("f", "{}")]);
        var e = Assert.Throws<R1SharpException>(() => Distill.Render([ChatTurn.User("q"), call]));
        Assert.Contains("tool calls", e.Message);
    }

    [Fact]
    public void Stop_strings_are_the_end_of_sentence_token()
    {
        Assert.Equal("<｜end▁of▁sentence｜>", R1.EosToken);
        Assert.Equal(["<｜end▁of▁sentence｜>"], R1.StopStrings);
        Assert.True(R1.PrefillsThinking);
        Assert.Equal("deepseek-r1", R1.Name);
        Assert.Null(R1.Jinja);
    }

    [Fact]
    public void Token_spellings_use_fullwidth_bar_and_lower_eighth_block()
    {
        Assert.Equal('\uFF5C', DeepSeekR1ChatTemplate.Eos[1]);
        Assert.Equal('\u2581', DeepSeekR1ChatTemplate.Eos[5]);
        Assert.DoesNotContain('|', DeepSeekR1ChatTemplate.Bos + DeepSeekR1ChatTemplate.UserTag + DeepSeekR1ChatTemplate.AssistantTag);
    }
}
