// The chat_template key of the SFT and GRPO configs: the names of r1's --chat-template, one spelling everywhere; the
// older spellings (SFT r1_zero/model, GRPO template=/chat) are refused with the one to write. Also the key/default
// listing that `r1 train sft|grpo --help` prints.
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Training;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Sft;

namespace R1Sharp.Tests.Training;

public class ChatTemplateKeyTests
{
    static readonly string Model = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    static SftConfig Sft(params string[] overrides) => SftConfig.Load(null, [$"--model_name_or_path={Model}", .. overrides]);

    static string Error(Action act) => Assert.Throws<R1SharpException>(act).Message;

    public static TheoryData<string> Names() => [.. ChatTemplate.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void Both_recipes_take_every_chat_template_name(string name)
    {
        Assert.Equal(name, Sft($"--chat_template={name}").Validate().ChatTemplate);
        Assert.Equal(name, GrpoConfig.Load(null, [$"--chat_template={name}"]).Validate().Template);
    }

    [Fact]
    public void Defaults_are_auto_for_sft_and_r1_zero_for_grpo()
    {
        Assert.Equal("auto", new SftConfig().ChatTemplate);
        Assert.Equal("r1-zero", new GrpoConfig().Template);
    }

    [Theory]
    [InlineData("r1_zero", "r1-zero")]
    [InlineData("model", "auto")]
    [InlineData("chat", "auto")]
    public void Old_spellings_are_refused_with_the_one_to_write(string old, string now)
    {
        string expected = $"chat_template '{old}' is now spelled '{now}' (as r1's --chat-template); set \"chat_template\": \"{now}\"";
        Assert.Equal("SFT config: " + expected, Error(() => Sft($"--chat_template={old}").Validate()));
        Assert.Equal("GRPO config: " + expected, Error(() => GrpoConfig.Load(null, [$"--chat_template={old}"]).Validate()));
    }

    [Fact]
    public void An_unknown_name_lists_the_known_ones() =>
        Assert.Equal("GRPO config: chat_template 'zero' is unknown; use one of auto, r1-zero, deepseek-r1, qwen2.5, llama3 (auto = the model's own template)",
            Error(() => GrpoConfig.Load(null, ["--chat_template=zero"]).Validate()));

    [Fact]
    public void The_old_template_key_is_refused_with_its_new_name()
    {
        Assert.Equal("override '--template=r1-zero': key 'template' is now spelled 'chat_template' (as r1's --chat-template); rename it",
            Error(() => GrpoConfig.Load(null, ["--template=r1-zero"])));
        string file = Path.Combine(Directory.CreateTempSubdirectory().FullName, "grpo.json");
        File.WriteAllText(file, """{ "template": "chat" }""");
        Assert.Equal($"{file}: key 'template' is now spelled 'chat_template' (as r1's --chat-template); rename it",
            Error(() => GrpoConfig.Load(file)));
    }

    [Fact]
    public void Key_defaults_list_every_key_in_order_with_its_default_as_json()
    {
        var sft = RecipeConfig.KeyDefaults<SftConfig>();
        Assert.Equal(RecipeConfig.Keys<SftConfig>(), sft.Select(k => k.Key));
        Assert.Contains(("chat_template", "\"auto\""), sft);
        Assert.Contains(("dataset_format", "\"messages\""), sft);   // enums as their snake_case names
        Assert.Contains(("eval_steps", "null"), sft);
        Assert.Contains(("packing", "false"), sft);
        Assert.Contains(("max_length", "1024"), sft);
        var grpo = RecipeConfig.KeyDefaults<GrpoConfig>();
        Assert.Equal(RecipeConfig.Keys<GrpoConfig>(), grpo.Select(k => k.Key));
        Assert.Contains(("chat_template", "\"r1-zero\""), grpo);
        Assert.Contains(("reward_funcs", "[]"), grpo);
        Assert.Contains(("epsilon", "0.2"), grpo);
    }
}
