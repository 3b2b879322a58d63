// The `rope_scaling` object of HF config.json: llama3 (Llama-3.1, ARCHITECTURES.md §2) and yarn
// (DeepSeek-V3/R1, ARCHITECTURES.md §1), as typed records; other types parse but fail Validate.
using System.Text.Json.Nodes;

namespace R1Sharp.Formats.Config;

/// <summary>RoPE frequency scaling from <c>rope_scaling</c>; <see cref="Type"/> is the HF <c>rope_type</c>/<c>type</c>.</summary>
public abstract record RopeScaling
{
    /// <summary>Types this library understands, in the order error messages list them.</summary>
    public const string SupportedTypes = "llama3, yarn";

    /// <summary>The HF type name, e.g. "llama3" or "yarn".</summary>
    public abstract string Type { get; }

    /// <summary>The context-extension factor.</summary>
    public double Factor { get; init; } = 1.0;

    /// <summary>Checks ranges; throws <see cref="R1SharpException"/> naming <paramref name="source"/>.</summary>
    public abstract void Validate(string source);

    internal abstract JsonObject ToJsonObject();

    /// <summary>Reads a rope_scaling object; "default" (no scaling) becomes null.</summary>
    internal static RopeScaling? Parse(ConfigJson j)
    {
        string? type = j.String("rope_type") ?? j.String("type");
        return type switch
        {
            null => throw new R1SharpException($"{j.Source}: rope_scaling has no 'rope_type' (or 'type'); set it to one of: {SupportedTypes}, or remove rope_scaling"),
            "default" => null,
            "llama3" => new Llama3RopeScaling
            {
                Factor = j.Double("factor") ?? 8.0,
                LowFreqFactor = j.Double("low_freq_factor") ?? 1.0,
                HighFreqFactor = j.Double("high_freq_factor") ?? 4.0,
                OriginalMaxPositionEmbeddings = j.Int("original_max_position_embeddings") ?? 8192,
            },
            "yarn" => new YarnRopeScaling
            {
                Factor = j.Double("factor") ?? 1.0,
                OriginalMaxPositionEmbeddings = j.Int("original_max_position_embeddings"),
                BetaFast = j.Double("beta_fast") ?? 32.0,
                BetaSlow = j.Double("beta_slow") ?? 1.0,
                Mscale = j.Double("mscale"),
                MscaleAllDim = j.Double("mscale_all_dim"),
            },
            _ => new UnsupportedRopeScaling(type),
        };
    }

    private protected static void Positive(string source, string field, double value)
    {
        if (!(value > 0))
            throw new R1SharpException($"{source}: rope_scaling.{field} must be > 0, got {ConfigJson.Format(value)}");
    }
}

/// <summary>Llama-3.1 scaling: wavelengths above original/low_freq_factor are divided by factor, below original/high_freq_factor kept, smooth in between.</summary>
public sealed record Llama3RopeScaling : RopeScaling
{
    /// <inheritdoc/>
    public override string Type => "llama3";
    /// <summary><c>low_freq_factor</c> (Llama-3.1: 1).</summary>
    public double LowFreqFactor { get; init; } = 1.0;
    /// <summary><c>high_freq_factor</c> (Llama-3.1: 4).</summary>
    public double HighFreqFactor { get; init; } = 4.0;
    /// <summary><c>original_max_position_embeddings</c> (Llama-3.1: 8192).</summary>
    public int OriginalMaxPositionEmbeddings { get; init; } = 8192;

    /// <inheritdoc/>
    public override void Validate(string source)
    {
        Positive(source, "factor", Factor);
        Positive(source, "low_freq_factor", LowFreqFactor);
        Positive(source, "original_max_position_embeddings", OriginalMaxPositionEmbeddings);
        if (!(HighFreqFactor > LowFreqFactor))
            throw new R1SharpException($"{source}: rope_scaling.high_freq_factor ({ConfigJson.Format(HighFreqFactor)}) must be greater than low_freq_factor ({ConfigJson.Format(LowFreqFactor)}); Llama-3.1 uses 4 and 1");
    }

    internal override JsonObject ToJsonObject() => new()
    {
        ["factor"] = ConfigJson.Float(Factor),
        ["high_freq_factor"] = ConfigJson.Float(HighFreqFactor),
        ["low_freq_factor"] = ConfigJson.Float(LowFreqFactor),
        ["original_max_position_embeddings"] = OriginalMaxPositionEmbeddings,
        ["rope_type"] = Type,
    };
}

/// <summary>YaRN scaling as in DeepSeek-V3/R1 (factor 40, original 4096, beta_fast 32, beta_slow 1, mscale 1, mscale_all_dim 1).</summary>
public sealed record YarnRopeScaling : RopeScaling
{
    /// <inheritdoc/>
    public override string Type => "yarn";
    /// <summary><c>original_max_position_embeddings</c>; HF derives it when absent.</summary>
    public int? OriginalMaxPositionEmbeddings { get; init; }
    /// <summary><c>beta_fast</c> (default 32).</summary>
    public double BetaFast { get; init; } = 32.0;
    /// <summary><c>beta_slow</c> (default 1).</summary>
    public double BetaSlow { get; init; } = 1.0;
    /// <summary><c>mscale</c>, when given.</summary>
    public double? Mscale { get; init; }
    /// <summary><c>mscale_all_dim</c>, when given.</summary>
    public double? MscaleAllDim { get; init; }

    /// <inheritdoc/>
    public override void Validate(string source)
    {
        Positive(source, "factor", Factor);
        if (OriginalMaxPositionEmbeddings is { } o) Positive(source, "original_max_position_embeddings", o);
        if (!(BetaFast > BetaSlow))
            throw new R1SharpException($"{source}: rope_scaling.beta_fast ({ConfigJson.Format(BetaFast)}) must be greater than beta_slow ({ConfigJson.Format(BetaSlow)}); DeepSeek-V3 uses 32 and 1");
    }

    internal override JsonObject ToJsonObject()
    {
        var o = new JsonObject { ["beta_fast"] = ConfigJson.Float(BetaFast), ["beta_slow"] = ConfigJson.Float(BetaSlow), ["factor"] = ConfigJson.Float(Factor), ["type"] = Type };
        if (Mscale is { } m) o["mscale"] = ConfigJson.Float(m);
        if (MscaleAllDim is { } ma) o["mscale_all_dim"] = ConfigJson.Float(ma);
        if (OriginalMaxPositionEmbeddings is { } orig) o["original_max_position_embeddings"] = orig;
        return o;
    }
}

/// <summary>A rope_scaling type this library does not implement; kept so Validate can name it.</summary>
public sealed record UnsupportedRopeScaling(string Name) : RopeScaling
{
    /// <inheritdoc/>
    public override string Type => Name;

    /// <inheritdoc/>
    public override void Validate(string source) =>
        throw new R1SharpException($"{source}: rope_scaling type '{Name}' is not supported; use one of: {SupportedTypes}, or remove rope_scaling");

    internal override JsonObject ToJsonObject() => new() { ["rope_type"] = Name, ["factor"] = ConfigJson.Float(Factor) };
}
