// Ollama's store read in place: name expansion as Ollama does it (host, namespace, tag defaults), the model layer's
// blob, one-line errors for a missing model, manifest or blob, and `r1 run --model ollama:NAME` on a real GGUF.
using System.Security.Cryptography;
using R1Sharp.Formats.Gguf;
using R1Sharp.Hub;
using R1Sharp.Models.Export;
using R1Sharp.Tests.Cli;

namespace R1Sharp.Tests.Hub;

public sealed class OllamaStoreTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("r1-ollama-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Stores <paramref name="weights"/> as Ollama does: a blob named by its digest and a manifest naming it
    /// (with the template and params layers Ollama also writes).</summary>
    string Install(string[] manifestPath, byte[] weights)
    {
        string hex = Convert.ToHexStringLower(SHA256.HashData(weights));
        Directory.CreateDirectory(Path.Combine(_dir, "blobs"));
        File.WriteAllBytes(Path.Combine(_dir, "blobs", "sha256-" + hex), weights);
        string manifest = Path.Combine([_dir, "manifests", .. manifestPath]);
        Directory.CreateDirectory(Path.GetDirectoryName(manifest)!);
        File.WriteAllText(manifest, $$"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:{{new string('c', 64)}}","size":487},
             "layers":[{"mediaType":"application/vnd.ollama.image.template","digest":"sha256:{{new string('a', 64)}}","size":10},
                       {"mediaType":"application/vnd.ollama.image.model","digest":"sha256:{{hex}}","size":{{weights.Length}}},
                       {"mediaType":"application/vnd.ollama.image.params","digest":"sha256:{{new string('b', 64)}}","size":5}]}
            """);
        return Path.Combine(_dir, "blobs", "sha256-" + hex);
    }

    [Theory]
    [InlineData("deepseek-r1:7b", "registry.ollama.ai/library/deepseek-r1/7b")]
    [InlineData("deepseek-r1", "registry.ollama.ai/library/deepseek-r1/latest")]
    [InlineData("someone/model:q4_K_M", "registry.ollama.ai/someone/model/q4_K_M")]
    [InlineData("hf.co/org/repo:Q8_0", "hf.co/org/repo/Q8_0")]
    public void Names_expand_as_ollama_expands_them(string name, string expected) =>
        Assert.Equal(Path.Combine(_dir, "manifests", expected), new OllamaStore(_dir).ManifestPath(name));

    [Theory]
    [InlineData("")]
    [InlineData("a/b/c/d")]
    [InlineData("../x")]
    [InlineData("model:")]
    public void Bad_names_are_one_line_errors(string name)
    {
        var e = Assert.Throws<R1SharpException>(() => new OllamaStore(_dir).ManifestPath(name));
        Assert.Contains("not an Ollama model name", e.Message);
    }

    [Fact]
    public void Resolve_finds_the_model_layer_blob_and_names_what_is_missing()
    {
        var store = new OllamaStore(_dir);
        string blob = Install(["registry.ollama.ai", "library", "tiny", "latest"], [1, 2, 3]);
        Assert.Equal(blob, store.Resolve("tiny"));
        Assert.True(OllamaStore.TryParse("ollama:tiny:latest", out string name));
        Assert.Equal(blob, store.Resolve(name));
        Assert.False(OllamaStore.TryParse("models/tiny", out _));

        var absent = Assert.Throws<R1SharpException>(() => store.Resolve("other:7b"));
        Assert.Contains("not in Ollama's store", absent.Message);
        Assert.Contains("run `ollama pull other:7b`", absent.Message);
        File.Delete(blob);
        Assert.Contains("are missing from Ollama's store", Assert.Throws<R1SharpException>(() => store.Resolve("tiny")).Message);
        File.WriteAllText(store.ManifestPath("tiny"), "{\"layers\":[]}");
        Assert.Contains("no application/vnd.ollama.image.model layer", Assert.Throws<R1SharpException>(() => store.Resolve("tiny")).Message);
    }

    [Fact]
    public void R1_run_loads_a_gguf_from_ollamas_store_by_name()
    {
        string gguf = Path.Combine(_dir, "tiny.gguf");
        GgufExporter.Export(Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"), gguf, GgmlType.Q8_0);
        Install(["registry.ollama.ai", "library", "tiny-qwen2", "q8_0"], File.ReadAllBytes(gguf));
        var env = new Dictionary<string, string> { ["OLLAMA_MODELS"] = _dir };
        var byName = R1Process.RunWithEnvironment(env, null, "run", "--model", "ollama:tiny-qwen2:q8_0", "--prompt", "hi", "--max-tokens", "4", "--temperature", "0", "--json");
        Assert.True(byName.ExitCode == 0, byName.Stderr);
        var byPath = R1Process.Run("run", "--model", gguf, "--prompt", "hi", "--max-tokens", "4", "--temperature", "0", "--json");
        Assert.Equal(byPath.Stdout.Split("\"timings\"")[0], byName.Stdout.Split("\"timings\"")[0]);

        var missing = R1Process.RunWithEnvironment(env, null, "run", "--model", "ollama:nope", "--prompt", "hi");
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("error: --model ollama:nope: not in Ollama's store", missing.Stderr);
    }
}
