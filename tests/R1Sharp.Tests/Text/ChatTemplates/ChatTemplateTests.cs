// Tests of template recognition from tokenizer_config.json / chat_template.jinja (markers, variants, BOS, errors).
// The Jinja snippets are short stand-ins carrying the markers the real HF templates contain (SERVING.md §2).
using System.Text.Json;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Text.ChatTemplates;

public class ChatTemplateTests
{
    private const string R1Jinja = "{% set ns = namespace(is_first_sp=true) %}{{bos_token}}{{'<｜User｜>'}}{{'<｜Assistant｜><think>\\n'}}";
    private const string DistillJinja = "{% set ns = namespace(system_prompt='') %}{{bos_token}}{{'<｜Assistant｜><think>\\n'}}";

    private static string Config(object chatTemplate, object? bos = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?> { ["chat_template"] = chatTemplate, ["bos_token"] = bos });

    [Fact]
    public void Recognises_deepseek_r1_and_keeps_raw_jinja_and_bos_object()
    {
        var t = ChatTemplate.FromTokenizerConfig(Config(R1Jinja, new { content = "<B>", lstrip = false }), "tokenizer_config.json");
        var r1 = Assert.IsType<DeepSeekR1ChatTemplate>(t);
        Assert.Equal(R1Jinja, t.Jinja);
        Assert.Equal(DeepSeekR1TemplateVariant.R1, r1.Options.Variant);
        Assert.True(t.PrefillsThinking);
        Assert.Equal("<B>A\n\nB<｜User｜>q<｜Assistant｜><think>\n",
            t.Render([ChatTurn.System("A"), ChatTurn.System("B"), ChatTurn.User("q")]));
    }

    [Fact]
    public void Distill_template_without_system_join_is_the_distill_variant()
    {
        var t = (DeepSeekR1ChatTemplate)ChatTemplate.FromTokenizerConfig(Config(DistillJinja, "<｜begin▁of▁sentence｜>"), "cfg");
        Assert.Equal(DeepSeekR1TemplateVariant.Distill, t.Options.Variant);
        Assert.Equal("<｜begin▁of▁sentence｜>B<｜User｜>q<｜Assistant｜><think>\n",
            t.Render([ChatTurn.System("A"), ChatTurn.System("B"), ChatTurn.User("q")]));
    }

    [Fact]
    public void Runtime_adds_bos_option_leaves_bos_out()
    {
        var t = ChatTemplate.FromTokenizerConfig(Config(R1Jinja, "<｜begin▁of▁sentence｜>"), "cfg", runtimeAddsBos: true);
        Assert.Equal("<｜User｜>q<｜Assistant｜><think>\n", t.Render([ChatTurn.User("q")]));
    }

    [Fact]
    public void Recognises_qwen_chatml_and_its_default_system_prompt()
    {
        string jinja = "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}";
        var t = Assert.IsType<Qwen25ChatTemplate>(ChatTemplate.FromTokenizerConfig(Config(jinja), "cfg"));
        Assert.Equal(Qwen25ChatTemplate.QwenDefaultSystemPrompt, t.DefaultSystemPrompt);
        var plain = Assert.IsType<Qwen25ChatTemplate>(ChatTemplate.FromJinja("{{'<|im_start|>' + message.role}}", "cfg"));
        Assert.Null(plain.DefaultSystemPrompt);
    }

    [Fact]
    public void Recognises_llama3_revisions_by_preamble_and_strftime()
    {
        var l31 = (Llama3ChatTemplate)ChatTemplate.FromJinja("<|start_header_id|> Cutting Knowledge Date: {{ date_string }}", "cfg", "<|begin_of_text|>");
        Assert.True(l31.Options.DatePreamble);
        Assert.Equal("26 Jul 2024", l31.Options.DateString);
        var l32 = (Llama3ChatTemplate)ChatTemplate.FromJinja("<|start_header_id|> Cutting Knowledge Date: strftime_now(\"%d %b %Y\")", "cfg");
        Assert.Matches(@"^\d\d [A-Z][a-z][a-z] \d{4}$", l32.Options.DateString);
        var l30 = (Llama3ChatTemplate)ChatTemplate.FromJinja("{{ '<|start_header_id|>' + message['role'] }}", "cfg");
        Assert.False(l30.Options.DatePreamble);
    }

    [Fact]
    public void Named_template_list_prefers_default()
    {
        var list = new object[] { new { name = "tool_use", template = "{{'<|im_start|>'}}" }, new { name = "default", template = R1Jinja } };
        Assert.IsType<DeepSeekR1ChatTemplate>(ChatTemplate.FromTokenizerConfig(Config(list), "cfg"));
    }

    [Fact]
    public void Missing_chat_template_says_so_and_names_the_file()
    {
        var e = Assert.Throws<R1SharpException>(() => ChatTemplate.FromTokenizerConfig("{\"bos_token\": \"<s>\"}", "/m/tokenizer_config.json"));
        Assert.Contains("/m/tokenizer_config.json", e.Message);
        Assert.Contains("no chat template", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unknown_template_lists_recognised_families_in_one_line()
    {
        var e = Assert.Throws<R1SharpException>(() => ChatTemplate.FromTokenizerConfig(Config("[INST] {{ content }} [/INST]"), "cfg"));
        Assert.Contains("DeepSeek-R1", e.Message);
        Assert.Contains("Qwen2.5", e.Message);
        Assert.Contains("Llama-3", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<R1SharpException>(() => ChatTemplate.FromJinja("<|im_start|>{% if enable_thinking %}<think>{% endif %}", "cfg"));
    }

    [Fact]
    public void Bad_json_and_bad_field_types_are_user_errors()
    {
        Assert.Throws<R1SharpException>(() => ChatTemplate.FromTokenizerConfig("{not json", "cfg"));
        Assert.Throws<R1SharpException>(() => ChatTemplate.FromTokenizerConfig("{\"chat_template\": 3}", "cfg"));
        Assert.Throws<R1SharpException>(() => ChatTemplate.FromTokenizerConfig(Config(R1Jinja, 5), "cfg"));
    }

    [Fact]
    public void Model_directory_reads_config_or_separate_jinja_file()
    {
        string dir = Directory.CreateTempSubdirectory("r1sharp-tpl").FullName;
        try
        {
            var missing = Assert.Throws<R1SharpException>(() => ChatTemplate.FromModelDirectory(dir));
            Assert.Contains("tokenizer_config.json", missing.Message);
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<｜begin▁of▁sentence｜>\"}}");
            Assert.Throws<R1SharpException>(() => ChatTemplate.FromModelDirectory(dir));
            File.WriteAllText(Path.Combine(dir, "chat_template.jinja"), DistillJinja);
            var t = ChatTemplate.FromModelDirectory(dir);
            Assert.Equal(DistillJinja, t.Jinja);
            Assert.Equal("<｜begin▁of▁sentence｜><｜User｜>q<｜Assistant｜><think>\n", t.Render([ChatTurn.User("q")]));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("x<｜Assistant｜><think>\n", true)]
    [InlineData("x<think>", true)]
    [InlineData("x<｜Assistant｜>", false)]
    [InlineData("<think>x", false)]
    public void EndsInThinking_detects_an_open_think_prefill(string prompt, bool expected) =>
        Assert.Equal(expected, ChatTemplate.EndsInThinking(prompt));

    [Fact]
    public void Role_names_round_trip_and_unknown_roles_are_user_errors()
    {
        foreach (var role in Enum.GetValues<TurnRole>())
            Assert.Equal(role, ChatTurn.ParseRole(ChatTurn.RoleName(role)));
        Assert.Throws<R1SharpException>(() => ChatTurn.ParseRole("narrator"));
    }

    [Fact]
    public void Named_template_overrides_the_model_files_and_takes_eos_from_the_tokenizer_config()
    {
        string dir = Path.Combine(RepoPaths.Root, "models", "chain-sum-base"); // a base model: no chat_template
        var zero = Assert.IsType<R1ZeroTemplate>(ChatTemplate.ForModel(dir, "r1-zero"));
        Assert.Equal("<|endoftext|>", zero.EosToken);
        Assert.EndsWith(" User: q. Assistant:", zero.Render([ChatTurn.User("q")]));
        Assert.IsType<DeepSeekR1ChatTemplate>(ChatTemplate.ForModel(dir, "deepseek-r1"));
        Assert.IsType<Qwen25ChatTemplate>(ChatTemplate.ForModel(dir, "qwen2.5"));
        Assert.IsType<Llama3ChatTemplate>(ChatTemplate.ForModel(dir, "llama3"));
        var auto = Assert.Throws<R1SharpException>(() => ChatTemplate.ForModel(dir, "auto"));
        Assert.Contains("--chat-template r1-zero", auto.Message);
        var unknown = Assert.Throws<R1SharpException>(() => ChatTemplate.ForModel(dir, "vicuna"));
        Assert.Contains("unknown template 'vicuna'; use one of auto, r1-zero, deepseek-r1, qwen2.5, llama3", unknown.Message);
    }
}
