// LocalChatClient.Load chooses the chat template and weight dtype by name, as `r1 serve --chat-template --dtype` does.
using Microsoft.Extensions.AI;
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Serving;

namespace R1Sharp.Tests.Serving;

public sealed class LocalChatClientLoadTests
{
    static string TinyModel => Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    [Fact]
    public async Task Load_takes_a_template_and_dtype_by_name()
    {
        using IChatClient client = LocalChatClient.Load(TinyModel, chatTemplate: "qwen2.5", dtype: "bf16");
        var response = await client.GetResponseAsync("2+3?", new ChatOptions { MaxOutputTokens = 5, Temperature = 0 });
        Assert.Equal(5L, response.Usage!.OutputTokenCount);
        Assert.Equal(TorchSharp.torch.ScalarType.BFloat16, client.GetService<BatchScheduler>()!.TextGenerator.Model.DType);
    }

    [Theory]
    [InlineData(null, "f64", "dtype: unknown weight dtype 'f64'; use f32|bf16|int8|int4")]
    [InlineData("chatml", null, "unknown template 'chatml'")]
    public void Load_refuses_unknown_names_before_loading(string? template, string? dtype, string message)
    {
        var e = Assert.Throws<R1SharpException>(() => LocalChatClient.Load(TinyModel, chatTemplate: template, dtype: dtype));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Load_refuses_dtype_together_with_load_options()
    {
        var e = Assert.Throws<R1SharpException>(() => LocalChatClient.Load(TinyModel, load: new ModelLoadOptions(), dtype: "f32"));
        Assert.Equal("dtype: give dtype or load options, not both", e.Message);
    }
}
