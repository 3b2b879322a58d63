// Generator on tiny random models: greedy equals argmax over full forwards, batching does not change a
// sequence, seeded samples reproduce, every stop rule ends as specified, usage, streaming and cancellation.
using R1Sharp.Generation;
using R1Sharp.Models;
using static R1Sharp.Tests.Generation.GeneratorTestKit;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Generation;

public class GeneratorTests
{
    [Fact]
    public void Greedy_generation_equals_iterative_argmax_over_full_forwards_without_cache()
    {
        using var model = RandomModel(seed: 3);
        var generator = NewGenerator(model);
        int[] prompt = RandomPrompt(new Random(1), 7);
        var result = generator.Generate(new GenerationRequest(prompt), Greedy(12) with { EosTokenIds = [] });

        var ids = prompt.Select(i => (long)i).ToList();
        using var noGrad = no_grad();
        for (int step = 0; step < 12; step++)
        {
            using var input = tensor(ids.ToArray(), new long[] { 1, ids.Count });
            using var logits = model.Forward(input);
            using var last = logits[0, -1].log_softmax(-1);
            int argmax = (int)last.argmax().item<long>();
            Assert.Equal(argmax, result.Tokens[step]);
            Assert.Equal(last[argmax].item<float>(), result.LogProbs[step], 4);
            ids.Add(argmax);
        }
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public void Batch_of_prompts_of_different_lengths_gives_each_prompt_its_greedy_tokens_alone()
    {
        using var model = RandomModel(seed: 4);
        var generator = NewGenerator(model);
        var rng = new Random(2);
        var prompts = new[] { 3, 11, 6 }.Select(n => new GenerationRequest(RandomPrompt(rng, n))).ToArray();
        // Different per-prompt limits make rows finish at different steps (rows leave the batch and the cache);
        // a tiny prefill chunk splits the padded prompts into column chunks.
        prompts[0] = prompts[0] with { MaxNewTokens = 4 };
        var options = Greedy(10) with { EosTokenIds = [], PrefillChunkTokens = 6 };
        var batched = generator.Generate(prompts, options);
        for (int p = 0; p < prompts.Length; p++)
        {
            var alone = generator.Generate(prompts[p], options with { PrefillChunkTokens = 4096 });
            Assert.Equal(alone.Tokens, batched[p].Tokens);
            Assert.Equal(p, batched[p].PromptIndex);
        }
        Assert.Equal(4, batched[0].Tokens.Length);
        Assert.Equal(10, batched[1].Tokens.Length);
    }

    [Fact]
    public void Seeded_samples_are_reproducible_and_differ_across_samples()
    {
        using var model = RandomModel(seed: 5);
        var generator = NewGenerator(model);
        var prompts = new[] { new GenerationRequest(RandomPrompt(new Random(3), 5)), new GenerationRequest(RandomPrompt(new Random(4), 8)) };
        var options = new GenerationOptions
        {
            Sampler = new SamplerOptions { Temperature = 1.5f }, SamplesPerPrompt = 3, Seed = 42, MaxNewTokens = 16, EosTokenIds = [],
        };
        var first = generator.Generate(prompts, options);
        var second = generator.Generate(prompts, options);
        Assert.Equal(6, first.Count);
        Assert.Equal(first.Select(r => r.Tokens), second.Select(r => r.Tokens));
        Assert.Equal(first.Select(r => r.LogProbs), second.Select(r => r.LogProbs));
        Assert.Equal([0, 0, 0, 1, 1, 1], first.Select(r => r.PromptIndex));
        Assert.Equal([0, 1, 2, 0, 1, 2], first.Select(r => r.SampleIndex));
        Assert.Equal(3, first.Take(3).Select(r => string.Join(",", r.Tokens)).Distinct().Count());
        Assert.All(first, r => Assert.All(r.LogProbs, lp => Assert.True(lp <= 0f && float.IsFinite(lp))));
        var otherSeed = generator.Generate(prompts, options with { Seed = 43 });
        Assert.NotEqual(first.Select(r => r.Tokens), otherSeed.Select(r => r.Tokens));
    }

    [Fact]
    public void Eos_id_ends_the_sequence_as_stop_and_stays_its_last_token()
    {
        using var model = RandomModel(seed: 6);
        var generator = NewGenerator(model);
        var request = new GenerationRequest(RandomPrompt(new Random(5), 6));
        var free = generator.Generate(request, Greedy(20) with { EosTokenIds = [] });
        int k = Enumerable.Range(2, 15).First(i => !free.Tokens[..i].Contains(free.Tokens[i]));
        var stopped = generator.Generate(request, Greedy(20) with { EosTokenIds = [free.Tokens[k]] });
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal(free.Tokens[..(k + 1)], stopped.Tokens);
        Assert.Equal(Tokenizer.Decode(free.Tokens[..k]), stopped.Text);
        Assert.Equal(new GenerationUsage(6, k + 1, 0), stopped.Usage);
    }

    [Fact]
    public void Stop_string_split_across_tokens_ends_the_sequence_and_is_excluded()
    {
        using var model = RandomModel(seed: 7);
        var generator = NewGenerator(model);
        var request = new GenerationRequest(RandomPrompt(new Random(6), 6));
        var free = generator.Generate(request, Greedy(24) with { EosTokenIds = [] });
        var tokenizer = Tokenizer;
        // A stop string from the last char of one token's text through the first char of a later token's text.
        // Random tokens may be partial UTF-8 bytes: pick two neighbours that are whole printable ASCII text.
        static bool Ascii(string s) => s.Length > 0 && s.All(c => c >= ' ' && c <= '~');
        int k = Enumerable.Range(3, 18).First(i => Ascii(tokenizer.Decode(free.Tokens[i..(i + 1)]))
            && Ascii(tokenizer.Decode(free.Tokens[(i + 1)..(i + 2)])));
        string before = tokenizer.Decode(free.Tokens[..(k + 1)]);
        string stop = before[^1..] + tokenizer.Decode(free.Tokens[(k + 1)..(k + 2)])[..1];
        int at = tokenizer.Decode(free.Tokens).IndexOf(stop, StringComparison.Ordinal);
        var stopped = generator.Generate(request, Greedy(24) with { EosTokenIds = [], StopStrings = [stop] });
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal(stop, stopped.StopString);
        Assert.Equal(tokenizer.Decode(free.Tokens)[..at], stopped.Text);
        Assert.True(stopped.Tokens.Length <= k + 2);
    }

    [Fact]
    public void Max_tokens_and_the_context_end_give_length()
    {
        using var model = RandomModel(seed: 8, context: 32);
        var generator = NewGenerator(model);
        var request = new GenerationRequest(RandomPrompt(new Random(7), 20));
        var limited = generator.Generate(request, Greedy(5) with { EosTokenIds = [] });
        Assert.Equal((FinishReason.Length, 5), (limited.FinishReason, limited.Tokens.Length));
        var atContext = generator.Generate(request, Greedy(100) with { EosTokenIds = [] });
        Assert.Equal((FinishReason.Length, 12), (atContext.FinishReason, atContext.Tokens.Length));
        var runtimeCtx = generator.Generate(request, Greedy(100) with { EosTokenIds = [], ContextLength = 24 });
        Assert.Equal(4, runtimeCtx.Tokens.Length);
    }

    [Fact]
    public void Loop_guard_ends_a_repeating_stream_with_loop()
    {
        int x = Tokenizer.Encode("x", addSpecialTokens: false).Single();
        using var model = ConstantModel(x);
        var generator = NewGenerator(model);
        var request = new GenerationRequest(RandomPrompt(new Random(8), 4));
        var result = generator.Generate(request, Greedy(500) with { LoopGuard = new LoopGuardOptions() });
        Assert.Equal(FinishReason.Loop, result.FinishReason);
        Assert.Equal(64, result.Tokens.Length); // period 1 needs MinSpan = 64 copies
        Assert.Equal(new string('x', 64), result.Content);
        var unguarded = generator.Generate(request, Greedy(100));
        Assert.Equal(FinishReason.Length, unguarded.FinishReason);
    }

    [Fact]
    public void Thinking_budget_forces_the_end_of_thinking_then_the_answer_follows()
    {
        var tokenizer = Tokenizer;
        int x = tokenizer.Encode("x", addSpecialTokens: false).Single();
        using var model = ConstantModel(x);
        var generator = NewGenerator(model);
        var request = new GenerationRequest(tokenizer.Encode("<｜User｜>hi<｜Assistant｜><think>\n")) { StartsInThinking = true };
        var result = generator.Generate(request, Greedy(12) with { ThinkingBudget = 5 });
        int[] forced = [.. generator.ForcedThinkingEnd];
        Assert.Equal(forced, result.Tokens[5..(5 + forced.Length)]);
        Assert.Equal(Enumerable.Repeat(true, forced.Length), result.Forced[5..(5 + forced.Length)]);
        Assert.False(result.Forced[0] || result.Forced[^1]);
        Assert.Equal("xxxxx\n", result.Reasoning);
        Assert.Equal(new string('x', 12 - 5 - forced.Length), result.Content);
        Assert.Equal(5, result.Usage.ReasoningTokens);
        Assert.True(result.ThinkingForced);
        Assert.Equal(0f, result.LogProbs[5]);
    }

    [Fact]
    public void Thinking_budget_applies_only_inside_thinking()
    {
        int x = Tokenizer.Encode("x", addSpecialTokens: false).Single();
        using var model = ConstantModel(x);
        var generator = NewGenerator(model);
        var request = new GenerationRequest(RandomPrompt(new Random(9), 3));
        var result = generator.Generate(request, Greedy(8) with { ThinkingBudget = 2 });
        Assert.DoesNotContain(true, result.Forced);
        Assert.Equal((0, "", "xxxxxxxx"), (result.Usage.ReasoningTokens, result.Reasoning, result.Content));
    }

    [Fact]
    public void Model_opening_think_starts_the_budget()
    {
        int think = Tokenizer.TokenToId("<think>")!.Value;
        using var model = ConstantModel(think);
        var generator = NewGenerator(model);
        var result = generator.Generate(new GenerationRequest(RandomPrompt(new Random(10), 3)), Greedy(10) with { ThinkingBudget = 3 });
        // <think> opens, then three more <think> tokens are reasoning, then the end is forced.
        Assert.Equal(generator.ForcedThinkingEnd, result.Tokens[4..(4 + generator.ForcedThinkingEnd.Count)]);
        Assert.Equal(3, result.Usage.ReasoningTokens);
    }

    [Fact]
    public void Streamed_deltas_add_up_to_the_results_and_end_with_the_result()
    {
        using var model = RandomModel(seed: 9);
        var generator = NewGenerator(model);
        var prompts = new[] { new GenerationRequest(RandomPrompt(new Random(11), 4)) { StartsInThinking = true },
            new GenerationRequest(RandomPrompt(new Random(12), 9)) };
        var deltas = new List<GenerationDelta>();
        var results = generator.Generate(prompts, Greedy(15) with { SamplesPerPrompt = 2 }, deltas.Add);
        for (int s = 0; s < 4; s++)
        {
            var mine = deltas.Where(d => d.Sequence == s).ToList();
            Assert.Equal(results[s].Reasoning, string.Concat(mine.Select(d => d.Reasoning)));
            Assert.Equal(results[s].Content, string.Concat(mine.Select(d => d.Content)));
            Assert.True(mine[^1].IsFinal);
            Assert.Single(mine, d => d.IsFinal);
            Assert.Equal(results[s].Tokens, mine[^1].Result!.Tokens);
        }
        Assert.True(results[0].Reasoning.Length > 0);
    }

    [Fact]
    public async Task StreamAsync_yields_the_same_deltas_as_the_callback()
    {
        using var model = RandomModel(seed: 10);
        var generator = NewGenerator(model);
        var prompts = new[] { new GenerationRequest(RandomPrompt(new Random(13), 5)) };
        var expected = new List<GenerationDelta>();
        generator.Generate(prompts, Greedy(10), expected.Add);
        var streamed = new List<GenerationDelta>();
        await foreach (var d in generator.StreamAsync(prompts, Greedy(10))) streamed.Add(d);
        Assert.Equal(expected.Select(d => (d.Reasoning, d.Content)), streamed.Select(d => (d.Reasoning, d.Content)));
    }

    [Fact]
    public void Cancellation_stops_every_sequence_with_partial_results()
    {
        int x = Tokenizer.Encode("x", addSpecialTokens: false).Single();
        using var model = ConstantModel(x);
        var generator = NewGenerator(model);
        using var cts = new CancellationTokenSource();
        int seen = 0;
        var results = generator.Generate([new GenerationRequest([1, 2, 3])], Greedy(200) with { SamplesPerPrompt = 2 },
            d => { if (++seen == 6) cts.Cancel(); }, cts.Token);
        Assert.All(results, r => Assert.Equal(FinishReason.Cancelled, r.FinishReason));
        Assert.All(results, r => Assert.InRange(r.Tokens.Length, 3, 4));
        Assert.Equal("cancelled", results[0].FinishReason.ToApiString());
    }

    [Fact]
    public void Prompt_that_fills_the_context_is_a_one_line_error()
    {
        using var model = RandomModel(seed: 11, context: 16);
        var generator = NewGenerator(model);
        var e = Assert.Throws<R1SharpException>(() => generator.Generate(new GenerationRequest(RandomPrompt(new Random(1), 16)), Greedy(4)));
        Assert.Contains("prompt 0 has 16 tokens but the context is 16", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<R1SharpException>(() => generator.Generate(new GenerationRequest([]), Greedy(4)));
        Assert.Throws<R1SharpException>(() => generator.Generate(new GenerationRequest([5]), Greedy(4) with { ContextLength = 17 }));
        Assert.Throws<R1SharpException>(() => generator.Generate(new GenerationRequest([5]), Greedy(0)));
    }

    [Fact]
    public void Defaults_come_from_generation_config()
    {
        var options = GenerationOptions.FromGenerationConfig(new R1Sharp.Formats.Config.GenerationConfig
        {
            Temperature = 0.6, TopP = 0.95, MaxNewTokens = 77,
        });
        Assert.Equal((0.6f, 0.95f, 77), (options.Sampler.Temperature, options.Sampler.TopP, options.MaxNewTokens));
        var greedy = GenerationOptions.FromGenerationConfig(new R1Sharp.Formats.Config.GenerationConfig { DoSample = false, Temperature = 0.6 });
        Assert.True(greedy.Sampler.IsGreedy);
        using var model = RandomModel();
        Assert.Equal([EosId], NewGenerator(model).EosTokenIds);
    }
}
