// Inference commands of the real r1 under forced garbage collections (GcStress hook): `r1 eval` and `r1 distill` on a
// few chain-sum problems, and `r1 serve` answering 16 concurrent streaming requests with the official OpenAI SDK, more
// than its batch holds (continuous batching admits and drops rows while other threads run). No TorchSharp Scalar or
// Tensor may reach the finalizer.
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
using OpenAI.Chat;
using R1Sharp.Tests.Server;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Reliability;

[Collection(GcStressCollection.Name)]
public sealed class GcStressInferenceTests
{
    static string Base => Path.Combine(RepoPaths.Root, "models", "chain-sum-base");

    [Fact]
    public void Eval_survives_on_chain_sum_problems()
    {
        string records = Path.Combine(TempDir(), "eval.jsonl");
        var run = GcStressRun.Run("eval", "--model", Base, "--task", "chain-sum", "--limit", "6", "--samples", "4", "--out", records);
        run.AssertSurvived();
        Assert.Equal(7, File.ReadAllLines(records).Length); // the run key, then one record per problem
        Assert.Contains("pass@1", run.Result.Stdout);
    }

    [Fact]
    public void Distill_survives_on_chain_sum_problems()
    {
        string data = Path.Combine(TempDir(), "distill.jsonl");
        var run = GcStressRun.Run("distill", "--teacher", Base, "--task", "chain-sum", "--problems", "6", "--samples", "4", "--out", data);
        run.AssertSurvived();
        Assert.Equal(7, File.ReadAllLines(Path.ChangeExtension(data, ".state.jsonl")).Length);   // the run key, then one per problem
    }

    [Fact]
    public async Task Serve_answers_16_concurrent_streaming_requests()
    {
        string report = Path.Combine(TempDir(), "serve-gcstress.txt");
        using (var serve = new ServeProcess(GcStressRun.Environment(report), maxBatch: 4))
        {
            var client = serve.Client();
            var options = new ChatCompletionOptions { MaxOutputTokenCount = 24, Temperature = 0.8f, Seed = 1 };
            var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
            {
                int updates = 0;
                ChatFinishReason? finish = null;
                ChatTokenUsage? usage = null;
                await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage($"Question {i}: what is {i} + {i}?")], options))
                {
                    updates++;
                    finish ??= update.FinishReason;
                    usage ??= update.Usage;
                }
                return (Updates: updates, Finish: finish, Tokens: usage?.OutputTokenCount ?? 0);
            }));

            Assert.All(answers, a =>
            {
                Assert.Contains(a.Finish, new ChatFinishReason?[] { ChatFinishReason.Stop, ChatFinishReason.Length });
                Assert.InRange(a.Tokens, 1, 24);
                Assert.True(a.Updates > 1, "not streamed");
            });
            // Still serving after the burst.
            var after = await client.CompleteChatAsync([new UserChatMessage("Hello")], options);
            Assert.NotNull(after.Value.Content);
            await Task.Delay(1500);   // the hook reports every half second while collecting
        }
        var (scalars, tensors, collections) = GcStressRun.ReadReport(report);
        StressedResult.AssertClean(null, scalars, tensors, collections);
    }
}
