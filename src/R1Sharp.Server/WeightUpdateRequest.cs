// The body of SGLang's POST /update_weights_from_disk (sglang/srt/managers/io_struct.py UpdateWeightFromDiskReqInput):
// model_path is the directory of the new weights; the fields that only mean something to SGLang's GPU scheduler are
// accepted at their defaults and refused by name otherwise (r1 serve never pauses, aborts or captures CUDA graphs).
using System.Text.Json;

namespace R1Sharp.Server;

/// <summary>A parsed weight update: the safetensors directory, and the version label to report (null: keep the old one).</summary>
public sealed record WeightUpdateRequest(string ModelPath, string? WeightVersion)
{
    // Boolean fields that r1 serve implements only at SGLang's default value.
    private static readonly Dictionary<string, bool> Defaults = new(StringComparer.Ordinal)
    {
        ["abort_all_requests"] = false, ["is_async"] = false, ["torch_empty_cache"] = false, ["keep_pause"] = false,
        ["recapture_cuda_graph"] = false,
    };

    /// <summary>Reads the JSON object; a field that is missing, of the wrong type or not implemented is an ApiError 400 naming it.</summary>
    public static WeightUpdateRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ApiError(400, "The request body must be a JSON object.", code: "invalid_json");
        string? path = null, version = null;
        foreach (var field in root.EnumerateObject())
        {
            var v = field.Value;
            switch (field.Name)
            {
                case "model_path":
                    path = v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } p ? p
                        : throw ApiError.BadField("model_path", "model_path must be the directory of the new weights (a non-empty string)");
                    break;
                case "weight_version":
                    version = v.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => v.GetString(),
                        _ => throw ApiError.BadField("weight_version", "weight_version must be a string or null"),
                    };
                    break;
                case "load_format":
                    if (v.ValueKind != JsonValueKind.Null && v.GetString() is not ("auto" or "safetensors"))
                        throw ApiError.BadField("load_format", "load_format: r1 serve loads safetensors only; give null, \"auto\" or \"safetensors\"", "unsupported_value");
                    break;
                case "flush_cache":
                    // r1 serve keeps no KV cache across requests, so there is nothing to flush either way.
                    if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw ApiError.BadField("flush_cache", "flush_cache must be true or false");
                    break;
                case "token_step":
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long step) || step != 0)
                        throw ApiError.BadField("token_step", "token_step is not implemented by r1 serve (only 0, the default)", "unsupported_parameter");
                    break;
                case var name when Defaults.TryGetValue(name, out bool expected):
                    if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw ApiError.BadField(name, $"{name} must be true or false");
                    if (v.GetBoolean() != expected)
                        throw ApiError.BadField(name, $"{name} = {(!expected).ToString().ToLowerInvariant()} is not implemented by r1 serve (it waits for running requests, then swaps the weights)", "unsupported_parameter");
                    break;
                default:
                    throw ApiError.BadField(field.Name, $"{field.Name} is not a field of update_weights_from_disk that r1 serve implements", "unsupported_parameter");
            }
        }
        return new WeightUpdateRequest(path ?? throw ApiError.BadField("model_path", "model_path is required: the directory of the new weights", "missing_required_parameter"), version);
    }
}
