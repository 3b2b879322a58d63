// trainer_state.json of a checkpoint (DESIGN.md "Model directory produced by training"): where the run is, the
// random-number states needed to continue it exactly, the resolved recipe config, and the metrics so far.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace R1Sharp.Training.Infrastructure;

/// <summary>The resumable state of a training run besides the weights and the optimizer.</summary>
public sealed record TrainerState
{
    /// <summary>File name inside a checkpoint directory.</summary>
    public const string FileName = "trainer_state.json";

    /// <summary>Optimizer steps completed (the next step to run is this value, 0-based).</summary>
    [JsonPropertyName("global_step")] public int GlobalStep { get; init; }

    /// <summary>Fractional epochs completed (steps / steps per epoch).</summary>
    [JsonPropertyName("epoch")] public double Epoch { get; init; }

    /// <summary>Total optimizer steps of the run (to detect a changed schedule on resume).</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; }

    /// <summary>Seeds of the recipe's own samplers (data order, splits), by name; the order is a pure function of
    /// these and <see cref="GlobalStep"/>.</summary>
    [JsonPropertyName("sampler_seeds")] public Dictionary<string, long> SamplerSeeds { get; init; } = new();

    /// <summary>libtorch's default CPU generator state (torch.random.get_rng_state), base64.</summary>
    [JsonPropertyName("torch_rng_state")] public string? TorchRngState { get; init; }

    /// <summary>Recipe-specific counters (e.g. GRPO prompts consumed, total tokens), by name.</summary>
    [JsonPropertyName("counters")] public Dictionary<string, double> Counters { get; init; } = new();

    /// <summary>The resolved recipe config (RecipeConfig.ToJson).</summary>
    [JsonPropertyName("config")] public JsonNode? Config { get; init; }

    /// <summary>Every metrics row logged so far (the same objects as metrics.jsonl).</summary>
    [JsonPropertyName("log_history")] public List<Dictionary<string, double>> LogHistory { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The state as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Parses trainer_state.json; <paramref name="source"/> names the file in errors.</summary>
    public static TrainerState Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(json, Options)
                ?? throw new R1SharpException($"{source}: empty trainer state");
        }
        catch (JsonException e)
        {
            throw new R1SharpException($"{source}: not a valid trainer state ({e.Message}); the checkpoint is corrupt, resume from an earlier one", e);
        }
    }

    /// <summary>Captures libtorch's default generator state as base64.</summary>
    public static string CaptureTorchRng()
    {
        using var state = TorchSharp.torch.random.get_rng_state();
        return Convert.ToBase64String(state.bytes.ToArray());
    }

    /// <summary>Restores a state captured by <see cref="CaptureTorchRng"/>.</summary>
    public static void RestoreTorchRng(string base64)
    {
        byte[] bytes = Convert.FromBase64String(base64);
        using var state = TorchSharp.torch.tensor(bytes, TorchSharp.torch.ScalarType.Byte);
        TorchSharp.torch.random.set_rng_state(state);
    }
}
