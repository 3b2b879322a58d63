// The pure pieces of remote rollouts: reading a worker's text_completion reply (hand-written bodies in vLLM's and
// SGLang's shapes), the token fallback when a server sends no ids, and the request body the pool sends.
using System.Text;
using System.Text.Json;
using R1Sharp.Generation;
using R1Sharp.Training.Grpo;

namespace R1Sharp.Tests.Training.Grpo;

public class RemoteCompletionTests
{
    [Fact]
    public void A_reply_with_token_ids_and_log_probs_parses_in_index_order()
    {
        const string body = """
            {"object":"text_completion","choices":[
              {"index":1,"text":" 9","finish_reason":"length","token_ids":[30,31],"logprobs":{"tokens":[" ","9"],"token_logprobs":[-0.25,-1.5],"top_logprobs":null,"text_offset":[0,1]}},
              {"index":0,"text":" 7","finish_reason":"stop","token_ids":[22,2],"logprobs":{"tokens":[" 7",""],"token_logprobs":[-0.5,-0.125],"top_logprobs":null,"text_offset":[0,2]}}]}
            """;
        var choices = RemoteCompletion.Parse(body, 2)!;
        Assert.Equal([0, 1], choices.Select(c => c.Index));
        Assert.Equal(" 7", choices[0].Text);
        Assert.Equal(FinishReason.Stop, choices[0].Finish);
        Assert.Equal([22, 2], choices[0].TokenIds!);
        Assert.Equal([-0.5f, -0.125f], choices[0].LogProbs!);
        Assert.Equal(FinishReason.Length, choices[1].Finish);
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"text":"a","finish_reason":"stop"}]}""", 2)]   // n ignored by the server
    [InlineData("""{"error":{"message":"model not found"}}""", 1)]
    [InlineData("""{"choices":[{"index":0,"message":{"content":"a"}}]}""", 1)]            // a chat completion
    [InlineData("not json", 1)]
    public void A_body_that_is_not_n_completions_is_null(string body, int n) => Assert.Null(RemoteCompletion.Parse(body, n));

    [Fact]
    public void Without_token_ids_the_text_is_retokenized_and_mismatched_log_probs_are_dropped()
    {
        static int[] Tokenize(string text) => text == "ab" ? [5, 6] : throw new ArgumentException(text);
        var stopped = new RemoteChoice(0, "ab", FinishReason.Stop, null, [-1f, -2f, -3f]);
        var (ids, lp, retokenized) = RemoteCompletion.Tokens(stopped, Tokenize, eosId: 2);
        Assert.Equal([5, 6, 2], ids);
        Assert.Equal([-1f, -2f, -3f], lp!);
        Assert.True(retokenized);
        var cut = stopped with { Finish = FinishReason.Length };
        (ids, lp, _) = RemoteCompletion.Tokens(cut, Tokenize, eosId: 2);
        Assert.Equal([5, 6], ids);
        Assert.Null(lp);   // 3 log-probs for 2 tokens: the split differs from the server's
        var sent = new RemoteChoice(0, "ab", FinishReason.Stop, [7, 8, 2], [-1f, -2f, -3f]);
        Assert.False(RemoteCompletion.Tokens(sent, Tokenize, 2).Retokenized);
    }

    [Fact]
    public void The_request_asks_for_n_samples_with_log_probs_and_token_ids()
    {
        byte[] body = RolloutPool.Body(new RolloutSampling("m", 4, 64, 0.7, 0.95, 0), "2 + 3 =", 9);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("""{"model":"m","prompt":"2 \u002B 3 =","n":4,"max_tokens":64,"temperature":0.7,"top_p":0.95,"seed":9,"logprobs":0,"return_token_ids":true,"ignore_eos":false}""",
            Encoding.UTF8.GetString(body));
        Assert.Equal(4, doc.RootElement.GetProperty("n").GetInt32());
    }
}
