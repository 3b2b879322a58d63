// adapter_config.json of a PEFT LoRA adapter (peft/tuners/lora/config.py LoraConfig as saved by save_pretrained): what
// R1Sharp writes, and what it accepts when reading one (anything that changes the math and is not implemented is refused).
using System.Text.Json;
using System.Text.Json.Nodes;

namespace R1Sharp.Models.Lora;

/// <summary>Reads and writes adapter_config.json.</summary>
public static class PeftAdapterConfig
{
    /// <summary>The file name PEFT uses.</summary>
    public const string FileName = "adapter_config.json";

    /// <summary>The adapter config as PEFT writes it for a causal LM.</summary>
    public static string ToJson(LoraSettings s, string? baseModel, IEnumerable<string> targetModules)
    {
        var node = new JsonObject
        {
            ["peft_type"] = "LORA", ["task_type"] = "CAUSAL_LM", ["base_model_name_or_path"] = baseModel,
            ["r"] = s.R, ["lora_alpha"] = s.Alpha, ["lora_dropout"] = s.Dropout, ["use_rslora"] = s.UseRslora,
            ["target_modules"] = new JsonArray(targetModules.Distinct().Order(StringComparer.Ordinal).Select(t => (JsonNode?)t).ToArray()),
            ["bias"] = "none", ["fan_in_fan_out"] = false, ["inference_mode"] = true, ["init_lora_weights"] = true,
            ["use_dora"] = false, ["modules_to_save"] = null, ["layers_to_transform"] = null, ["layers_pattern"] = null,
            ["rank_pattern"] = new JsonObject(), ["alpha_pattern"] = new JsonObject(), ["revision"] = null,
        };
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The settings of an adapter directory's adapter_config.json (targets as listed there).</summary>
    /// <exception cref="R1SharpException">Missing or bad file, not LORA, or a feature not implemented here (DoRA,
    /// trained biases, per-module ranks, modules_to_save, fan_in_fan_out).</exception>
    public static LoraSettings Load(string adapterDirectory)
    {
        string path = Path.Combine(adapterDirectory, FileName);
        if (!File.Exists(path)) throw new R1SharpException($"{adapterDirectory}: no {FileName}; not a PEFT adapter directory");
        JsonObject o;
        try { o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new R1SharpException($"{path}: not a JSON object"); }
        catch (JsonException e) { throw new R1SharpException($"{path}: bad JSON ({e.Message})"); }
        string Text(string key) => o[key] is JsonValue v && v.TryGetValue(out string? t) ? t : "";
        bool Flag(string key) => o[key] is JsonValue v && v.TryGetValue(out bool b) && b;
        bool Empty(string key) => o[key] is null || o[key] is JsonObject { Count: 0 } || o[key] is JsonArray { Count: 0 };
        if (Text("peft_type") != "LORA") throw new R1SharpException($"{path}: peft_type is '{Text("peft_type")}'; only LORA adapters are supported");
        if (Flag("use_dora")) throw new R1SharpException($"{path}: use_dora is true; DoRA adapters are not supported");
        if (Flag("fan_in_fan_out")) throw new R1SharpException($"{path}: fan_in_fan_out is true (Conv1D weights); not supported for these models");
        if (o["bias"] is not null && Text("bias") != "none") throw new R1SharpException($"{path}: bias is '{Text("bias")}'; only \"none\" is supported");
        foreach (string key in new[] { "rank_pattern", "alpha_pattern", "modules_to_save" })
            if (!Empty(key)) throw new R1SharpException($"{path}: {key} is set; per-module ranks and saved full modules are not supported");
        int r = o["r"] is JsonValue rv && rv.TryGetValue(out int ri) ? ri : throw new R1SharpException($"{path}: r is missing or not an integer");
        double alpha = o["lora_alpha"] is JsonValue av && av.TryGetValue(out double a) ? a : throw new R1SharpException($"{path}: lora_alpha is missing or not a number");
        double dropout = o["lora_dropout"] is JsonValue dv && dv.TryGetValue(out double d) ? d : 0;
        var targets = o["target_modules"] switch
        {
            JsonArray list => list.Select(n => n?.GetValue<string>() ?? "").ToArray(),
            JsonValue one when one.TryGetValue(out string? s) => [s],
            _ => (string[])[],
        };
        return new LoraSettings(r, alpha, dropout, targets, Flag("use_rslora"));
    }
}
