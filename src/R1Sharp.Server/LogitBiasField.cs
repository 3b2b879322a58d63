// logit_bias of a chat completion request (OpenAI): {"token id": bias}, ids as decimal strings, biases in [-100, 100],
// at most 300 entries (OpenAI's limit). Ids beyond the model's vocabulary are refused by ChatGeneration.Prepare.
using System.Globalization;
using System.Text.Json;

namespace R1Sharp.Server;

internal static class LogitBiasField
{
    public const int MaxEntries = 300;

    public static IReadOnlyDictionary<int, float>? Parse(JsonElement root)
    {
        if (!root.TryGetProperty("logit_bias", out var map) || map.ValueKind == JsonValueKind.Null) return null;
        if (map.ValueKind != JsonValueKind.Object)
            throw ApiError.BadField("logit_bias", "logit_bias must be an object mapping token ids (strings) to biases in [-100, 100]", "invalid_type");
        var bias = new Dictionary<int, float>();
        foreach (var p in map.EnumerateObject())
        {
            if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                throw ApiError.BadField("logit_bias", $"logit_bias keys must be token ids (non-negative integers); got '{p.Name}'");
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out double v) || !(v >= -100 && v <= 100))
                throw ApiError.BadField("logit_bias", $"logit_bias[\"{p.Name}\"] must be a number in [-100, 100]; got {p.Value.GetRawText()}");
            bias[id] = (float)v;
        }
        if (bias.Count > MaxEntries) throw ApiError.BadField("logit_bias", $"logit_bias takes at most {MaxEntries} tokens; got {bias.Count}");
        return bias.Count == 0 ? null : bias;
    }
}
