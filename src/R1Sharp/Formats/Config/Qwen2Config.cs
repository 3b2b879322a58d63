// config.json of model_type "qwen2" (R1-Distill-Qwen; transformers models/qwen2/configuration_qwen2.py):
// q/k/v always carry biases, o_proj never; sliding-window fields are parsed but the window is not supported.
using System.Text.Json.Nodes;

namespace R1Sharp.Formats.Config;

/// <summary>Qwen2 hyper-parameters (R1-Distill-Qwen-1.5B/7B/14B/32B).</summary>
public sealed record Qwen2Config : ModelConfig
{
    /// <inheritdoc/>
    public override string ModelType => "qwen2";
    /// <inheritdoc/>
    public override string DefaultArchitecture => "Qwen2ForCausalLM";
    /// <summary>Qwen2 has no o_proj bias even though q/k/v have one.</summary>
    public override bool OutputProjectionBias => false;
    /// <summary><c>use_sliding_window</c>; must be false (sliding-window attention is not implemented).</summary>
    public bool UseSlidingWindow { get; init; }
    /// <summary><c>sliding_window</c> (R1-Distill-Qwen-7B: 4096, unused while use_sliding_window is false).</summary>
    public int? SlidingWindow { get; init; }
    /// <summary><c>max_window_layers</c>.</summary>
    public int? MaxWindowLayers { get; init; }

    /// <summary>For object initializers; q/k/v biases are on as in every Qwen2 model.</summary>
    public Qwen2Config() => AttentionBias = true;

    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    internal Qwen2Config(ConfigJson j) : base(j, maxPositionDefault: 32768)
    {
        AttentionBias = true;
        UseSlidingWindow = j.Bool("use_sliding_window") ?? false;
        SlidingWindow = j.Int("sliding_window");
        MaxWindowLayers = j.Int("max_window_layers");
    }

    /// <inheritdoc/>
    public override void Validate(string sourceName = "config.json")
    {
        base.Validate(sourceName);
        if (UseSlidingWindow)
            throw Error(sourceName, "use_sliding_window is true but sliding-window attention is not supported; set use_sliding_window to false (R1-Distill models ship false)");
        if (!AttentionBias)
            throw Error(sourceName, "qwen2 models have q/k/v biases; AttentionBias must be true");
    }

    private protected override void AddTypeFields(JsonObject o)
    {
        o["use_sliding_window"] = UseSlidingWindow;
        o["sliding_window"] = SlidingWindow;
        if (MaxWindowLayers is { } m) o["max_window_layers"] = m;
    }
}
