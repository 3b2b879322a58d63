// Ollama's local model store, read in place: `ollama:deepseek-r1:7b` names the GGUF blob Ollama already downloaded.
// Layout (Ollama's server/modelpath.go and manifest.go): OLLAMA_MODELS (default ~/.ollama/models, or the system
// service's /usr/share/ollama/.ollama/models) holds manifests/<host>/<namespace>/<model>/<tag> (OCI image manifests, JSON)
// and blobs/sha256-<hex>; the layer of media type application/vnd.ollama.image.model is the GGUF file.
using System.Text.Json;

namespace R1Sharp.Hub;

/// <summary>Resolves <c>ollama:[HOST/][NAMESPACE/]MODEL[:TAG]</c> to the GGUF file in Ollama's store.</summary>
public sealed class OllamaStore(string modelsDir)
{
    /// <summary>The prefix that marks an Ollama model name.</summary>
    public const string Prefix = "ollama:";

    /// <summary>The media type of a manifest layer holding the model weights (a GGUF file).</summary>
    public const string ModelMediaType = "application/vnd.ollama.image.model";

    /// <summary>The store's folder (the one holding manifests/ and blobs/).</summary>
    public string ModelsDir { get; } = modelsDir;

    /// <summary>The store Ollama itself uses: $OLLAMA_MODELS, else ~/.ollama/models, else the Linux service's
    /// /usr/share/ollama/.ollama/models when only that one exists.</summary>
    public static OllamaStore FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("OLLAMA_MODELS") is { Length: > 0 } dir) return new OllamaStore(dir);
        string home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ollama", "models");
        const string service = "/usr/share/ollama/.ollama/models";
        return new OllamaStore(!Directory.Exists(home) && Directory.Exists(service) ? service : home);
    }

    /// <summary>True when <paramref name="argument"/> starts with <see cref="Prefix"/>; <paramref name="name"/> is the rest.</summary>
    public static bool TryParse(string argument, out string name)
    {
        bool ok = argument.StartsWith(Prefix, StringComparison.Ordinal);
        name = ok ? argument[Prefix.Length..] : "";
        return ok;
    }

    /// <summary>The manifest path of a name, as Ollama expands it: host registry.ollama.ai, namespace library and tag
    /// latest by default (<c>deepseek-r1:7b</c> → manifests/registry.ollama.ai/library/deepseek-r1/7b).</summary>
    public string ManifestPath(string name)
    {
        string tag = "latest", path = name;
        int colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/')) (path, tag) = (name[..colon], name[(colon + 1)..]);
        var parts = path.Split('/');
        if (path.Length == 0 || tag.Length == 0 || parts.Length > 3 || parts.Any(p => p.Length == 0 || p is "." or ".." || p.Contains('\\')) ||
            tag.Contains('/') || tag is "." or "..")
            throw new R1SharpException($"--model {Prefix}{name}: not an Ollama model name; use {Prefix}MODEL[:TAG], e.g. {Prefix}deepseek-r1:7b");
        string[] full = parts.Length switch
        {
            1 => ["registry.ollama.ai", "library", parts[0]],
            2 => ["registry.ollama.ai", parts[0], parts[1]],
            _ => parts,
        };
        return Path.Combine([ModelsDir, "manifests", .. full, tag]);
    }

    /// <summary>The GGUF blob of <paramref name="name"/>; a one-line error when the store lacks the model or its blob.</summary>
    public string Resolve(string name)
    {
        string manifest = ManifestPath(name);
        if (!File.Exists(manifest))
            throw new R1SharpException($"--model {Prefix}{name}: not in Ollama's store {ModelsDir} (no {Path.GetRelativePath(ModelsDir, manifest)}); " +
                $"run `ollama pull {name}` or set OLLAMA_MODELS to the store's folder");
        string? digest;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            digest = doc.RootElement.TryGetProperty("layers", out var layers) && layers.ValueKind == JsonValueKind.Array
                ? layers.EnumerateArray().Where(l => l.ValueKind == JsonValueKind.Object && l.TryGetProperty("mediaType", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == ModelMediaType)
                    .Select(l => l.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null).FirstOrDefault()
                : null;
        }
        catch (JsonException e) { throw new R1SharpException($"{manifest}: not an Ollama manifest ({e.Message})", e); }
        if (digest is null || !digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71 || !digest[7..].All(char.IsAsciiHexDigitLower))
            throw new R1SharpException($"{manifest}: no {ModelMediaType} layer with a sha256 digest; the manifest names no model weights");
        string blob = Path.Combine(ModelsDir, "blobs", "sha256-" + digest[7..]);
        if (!File.Exists(blob))
            throw new R1SharpException($"--model {Prefix}{name}: its weights {blob} are missing from Ollama's store; run `ollama pull {name}` again");
        return blob;
    }
}
