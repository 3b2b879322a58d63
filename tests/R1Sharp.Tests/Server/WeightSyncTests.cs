// SGLang's weight-sync endpoints on real servers over loopback: a worker that loads new weights with
// POST /update_weights_from_disk answers with the logits of a server started on those weights; the response shapes are
// SGLang's ({"success","message","num_paused_requests"}, /get_model_info, /flush_cache); a refused update keeps the old weights.
using System.Net;
using System.Text;
using System.Text.Json;
using R1Sharp.Models;
using R1Sharp.Server;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Server;

public class WeightSyncTests
{
    static readonly string Tiny = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    // tiny-qwen2 with every parameter moved by seeded noise, saved as a model directory with its tokenizer.
    static string NewWeights()
    {
        string dir = Directory.CreateTempSubdirectory("r1-weights-").FullName;
        using var model = DecoderModel.Load(Tiny);
        using (no_grad())
        {
            var generator = new TorchSharp.torch.Generator(7);
            foreach (var p in model.parameters())
            {
                using var noise = randn(p.shape, generator: generator);
                using var scaled = noise.mul(0.05f);
                p.add_(scaled);
            }
        }
        model.Save(dir);
        foreach (string f in new[] { "tokenizer.json", "tokenizer_config.json", "generation_config.json" })
            File.Copy(Path.Combine(Tiny, f), Path.Combine(dir, f));
        return dir;
    }

    static async Task<R1Server> Start(string dir)
    {
        var server = R1Server.Load(dir, new ServerOptions { ModelId = "tiny-qwen2", Port = 0 }, TextWriter.Null);
        await server.StartAsync();
        return server;
    }

    // The top log-probs of every answer token of a greedy 8-token completion, as the OpenAI API returns them (the
    // tokens the template counts as reasoning carry none).
    static async Task<double[]> TopLogProbs(HttpClient http)
    {
        const string body = """{"model":"tiny-qwen2","messages":[{"role":"user","content":"Hello"}],"max_tokens":8,"temperature":0,"reasoning_effort":"none","logprobs":true,"top_logprobs":5}""";
        using var response = await http.PostAsync("v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var doc = JsonDocument.Parse(text);
        var content = doc.RootElement.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content");
        var values = content.EnumerateArray().SelectMany(c => c.GetProperty("top_logprobs").EnumerateArray())
            .Select(t => t.GetProperty("logprob").GetDouble()).ToArray();
        Assert.NotEmpty(values);
        return values;
    }

    static bool Close(double[] a, double[] b) => a.Length == b.Length && a.Zip(b).All(p => Math.Abs(p.First - p.Second) < 1e-5);

    static async Task<(HttpStatusCode Status, JsonElement Body)> Update(HttpClient http, string json)
    {
        using var response = await http.PostAsync("update_weights_from_disk", new StringContent(json, Encoding.UTF8, "application/json"));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }

    [Fact]
    public async Task After_update_weights_from_disk_the_worker_answers_with_the_new_weights()
    {
        string fresh = NewWeights();
        try
        {
            await using var worker = await Start(Tiny);
            await using var reference = await Start(fresh);
            using var w = new HttpClient { BaseAddress = worker.Address };
            using var r = new HttpClient { BaseAddress = reference.Address };
            double[] expected = await TopLogProbs(r), before = await TopLogProbs(w);
            Assert.False(Close(expected, before), "the new weights should change the log-probs");

            var (status, body) = await Update(w, JsonSerializer.Serialize(new { model_path = fresh, weight_version = "step-1", flush_cache = true }));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(body.GetProperty("success").GetBoolean());
            Assert.Equal("Succeeded to update model weights.", body.GetProperty("message").GetString());
            Assert.Equal(0, body.GetProperty("num_paused_requests").GetInt32());
            double[] after = await TopLogProbs(w);
            Assert.True(Close(expected, after), $"after the update: [{string.Join(", ", after)}], new weights: [{string.Join(", ", expected)}]");

            using var info = JsonDocument.Parse(await w.GetStringAsync("get_model_info"));
            Assert.Equal(Path.GetFullPath(fresh), info.RootElement.GetProperty("model_path").GetString());
            Assert.Equal(Path.GetFullPath(Tiny), info.RootElement.GetProperty("tokenizer_path").GetString());
            Assert.Equal("step-1", info.RootElement.GetProperty("weight_version").GetString());
            Assert.True(info.RootElement.GetProperty("is_generation").GetBoolean());
            Assert.Equal("qwen2", info.RootElement.GetProperty("model_type").GetString());
            using var flush = await w.PostAsync("flush_cache", null);
            Assert.Equal(HttpStatusCode.OK, flush.StatusCode);
            Assert.StartsWith("Cache flushed.", await flush.Content.ReadAsStringAsync());
        }
        finally { Directory.Delete(fresh, recursive: true); }
    }

    [Fact]
    public async Task A_refused_update_answers_400_in_sglangs_shape_and_keeps_the_weights()
    {
        await using var worker = await Start(Tiny);
        using var w = new HttpClient { BaseAddress = worker.Address };
        double[] before = await TopLogProbs(w);

        string missing = Path.Combine(Path.GetTempPath(), "no-such-weights");
        var (status, body) = await Update(w, JsonSerializer.Serialize(new { model_path = missing }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Contains(missing, body.GetProperty("message").GetString());

        // Another model's weights (other shapes): refused before any parameter changes.
        (status, body) = await Update(w, JsonSerializer.Serialize(new { model_path = Path.Combine(RepoPaths.Root, "models", "chain-sum-base") }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("do not match", body.GetProperty("message").GetString());
        Assert.True(Close(before, await TopLogProbs(w)), "a refused update must keep the old weights");
        using var info = JsonDocument.Parse(await w.GetStringAsync("get_model_info"));
        Assert.Equal("default", info.RootElement.GetProperty("weight_version").GetString());
    }

    [Theory]
    [InlineData("{}", "model_path")]
    [InlineData("""{"model_path":"x","abort_all_requests":true}""", "abort_all_requests")]
    [InlineData("""{"model_path":"x","load_format":"pt"}""", "load_format")]
    [InlineData("""{"model_path":"x","token_step":3}""", "token_step")]
    [InlineData("""{"model_path":"x","target_modules":["a"]}""", "target_modules")]
    public async Task Fields_r1_serve_does_not_implement_are_refused_by_name(string json, string param)
    {
        await using var worker = await Start(Tiny);
        using var w = new HttpClient { BaseAddress = worker.Address };
        var (status, body) = await Update(w, json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, body.GetProperty("error").GetProperty("param").GetString());
    }
}
