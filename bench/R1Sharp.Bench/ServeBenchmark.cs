// Continuous batching benchmark: a real `R1Server` on loopback, 1 streaming client vs N concurrent streaming clients
// (SSE over HttpClient); total completion tokens per second from each stream's usage chunk. Issue: 8 clients ≥ 3× one.
//   dotnet run -c Release --project bench/R1Sharp.Bench -- serve [--model DIR] [--tokens 128] [--clients 1,8] [--rounds 2]
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using R1Sharp.Server;

namespace R1Sharp.Bench;

public static class ServeBenchmark
{
    public static int Run(string[] args)
    {
        string Arg(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        string dir = Arg("--model", Path.Combine(FindRoot(), "models", "tiny-qwen2"));
        int tokens = int.Parse(Arg("--tokens", "128"));
        int rounds = int.Parse(Arg("--rounds", "2"));
        int[] clients = Arg("--clients", "1,8").Split(',').Select(int.Parse).ToArray();
        var options = new ServerOptions { ModelId = "bench", Port = 0, MaxBatch = clients.Max(), MaxQueue = 64 };
        return RunAsync(dir, options, tokens, rounds, clients).GetAwaiter().GetResult();
    }

    static async Task<int> RunAsync(string dir, ServerOptions options, int tokens, int rounds, int[] clients)
    {
        await using var server = R1Server.Load(dir, options, TextWriter.Null);
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };
        Console.WriteLine($"model {dir}, {tokens} tokens per request, server {server.Address}");
        await Round(http, 2, 16, 0); // warm-up: JIT, first allocations
        double? single = null;
        foreach (int n in clients)
        {
            double best = 0;
            for (int r = 0; r < rounds; r++) best = Math.Max(best, await Round(http, n, tokens, r));
            single ??= best;
            Console.WriteLine($"clients {n,2}: {best,8:0.0} tokens/s total ({best / n:0.0} per client), {best / single.Value:0.00}x one client");
        }
        return 0;
    }

    // n clients stream at once; returns completion tokens per second over the wall time of the round.
    static async Task<double> Round(HttpClient http, int n, int tokens, int round)
    {
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, n).Select(i => Stream(http, tokens, seed: round * 100 + i)));
        return counts.Sum() / clock.Elapsed.TotalSeconds;
    }

    static async Task<int> Stream(HttpClient http, int tokens, int seed)
    {
        // Random models may stop early on EOS: count what usage.completion_tokens reports, not max_tokens.
        string body = $$$"""{"model":"bench","messages":[{"role":"user","content":"Count to ten."}],"max_tokens":{{{tokens}}},"seed":{{{seed}}},"stream":true,"stream_options":{"include_usage":true}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        int completion = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal) || !line.Contains("\"usage\":{", StringComparison.Ordinal)) continue;
            completion = JsonDocument.Parse(line[6..]).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        }
        return completion;
    }

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "R1Sharp.slnx"))) return d.FullName;
        return ".";
    }
}
