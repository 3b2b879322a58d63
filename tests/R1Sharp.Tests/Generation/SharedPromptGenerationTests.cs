// Generate with prompt sharing (the default: each prompt's samples read its cache slots from one place) against the
// same call copying the prompt's rows per sample: the same tokens and log-probs bit for bit, at temperature 1 with
// samples that finish at different lengths, for prompts of different lengths.
using R1Sharp.Generation;
using static R1Sharp.Tests.Generation.GeneratorTestKit;

namespace R1Sharp.Tests.Generation;

public sealed class SharedPromptGenerationTests
{
    [Fact]
    public void Sharing_prompts_changes_no_token_and_no_log_prob()
    {
        using var model = RandomModel(seed: 3);
        using var generator = NewGenerator(model);
        Assert.True(generator.SharePrompts);
        Assert.NotNull(generator.DecodeKernels); // the path that shares
        GenerationRequest[] prompts = [new([5, 6, 7, 8, 9, 10, 11]), new([12, 13]), new([14, 15, 16, 17]) { MaxNewTokens = 9 }];
        var options = new GenerationOptions
        {
            Sampler = new SamplerOptions { Temperature = 1f }, SamplesPerPrompt = 4, Seed = 11, MaxNewTokens = 24, LoopGuard = null,
        };
        var shared = generator.Generate(prompts, options);
        generator.SharePrompts = false;
        var copied = generator.Generate(prompts, options);
        Assert.Equal(12, shared.Count);
        Assert.True(shared.Select(r => r.Tokens.Length).Distinct().Count() > 1, "samples should end at different lengths");
        for (int i = 0; i < shared.Count; i++)
        {
            Assert.Equal(copied[i].Tokens, shared[i].Tokens);
            Assert.Equal(copied[i].LogProbs, shared[i].LogProbs);
        }
    }
}
