// Generic binding of recipe configs (GRPO, SFT, ...): JSON file + `--key=value` overrides onto an immutable record.
// Follows nanoGPT's configurator habit: overrides are type-checked, unknown keys are errors, the resolved config is printed.
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace R1Sharp.Training;

/// <summary>
/// Binds recipe configs: every property of the record that carries a <see cref="JsonPropertyNameAttribute"/> is a
/// key (snake_case, as in TRL). Supported value types: int, long, double, float, bool, string, enums (written as
/// snake_case names, e.g. <c>DrGrpo</c> → <c>"dr_grpo"</c>), their nullable forms, and arrays / read-only lists of
/// those. Errors are <see cref="R1SharpException"/>s with one line naming the source and the key; an unknown key
/// names the closest known one.
/// </summary>
/// <example>
/// <code>var cfg = RecipeConfig.Load&lt;GrpoConfig&gt;("grpo.json", ["--beta=0.001", "--loss_type=dr_grpo"]);</code>
/// </example>
public static class RecipeConfig
{
    private static readonly ConcurrentDictionary<Type, Binding[]> Bindings = new();

    private sealed record Binding(string Key, PropertyInfo Property, bool AllowsNull);

    /// <summary>The keys of <typeparamref name="T"/> in declaration order.</summary>
    public static IReadOnlyList<string> Keys<T>() => BindingsOf(typeof(T)).Select(b => b.Key).ToArray();

    /// <summary>
    /// Defaults of <typeparamref name="T"/>, then the JSON file at <paramref name="jsonPath"/> (when given), then the
    /// overrides in order (later wins).
    /// </summary>
    public static T Load<T>(string? jsonPath, IEnumerable<string>? overrides = null) where T : class, new()
    {
        T config = new();
        if (jsonPath is not null)
        {
            string text;
            try { text = File.ReadAllText(jsonPath); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new R1SharpException($"{jsonPath}: cannot read the recipe config ({e.Message}); check the path", e);
            }
            config = ApplyJson(config, text, jsonPath);
        }
        return overrides is null ? config : ApplyOverrides(config, overrides);
    }

    /// <summary>Returns a copy of <paramref name="config"/> with the keys of the JSON object <paramref name="json"/> set.</summary>
    public static T ApplyJson<T>(T config, string json, string source) where T : class
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new R1SharpException($"{source}: not valid JSON ({e.Message}); fix the file", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new R1SharpException($"{source}: the top level must be a JSON object of config keys");
            T copy = Clone(config);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                var b = Find(typeof(T), prop.Name, source);
                b.Property.SetValue(copy, RecipeValues.FromJson(prop.Value, b.Property.PropertyType, b.AllowsNull, $"{source}: key '{b.Key}'"));
            }
            return copy;
        }
    }

    /// <summary>
    /// Returns a copy with each <c>--key=value</c> applied (dashes in the key may be written as <c>-</c> or
    /// <c>_</c>; a bare <c>--flag</c> sets a bool to true; lists are comma-separated or a JSON array).
    /// </summary>
    public static T ApplyOverrides<T>(T config, IEnumerable<string> overrides) where T : class
    {
        T copy = Clone(config);
        foreach (string arg in overrides)
        {
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new R1SharpException($"override '{arg}': expected --key=value, e.g. --learning_rate=1e-6");
            int eq = arg.IndexOf('=');
            string key = (eq < 0 ? arg[2..] : arg[2..eq]).Replace('-', '_');
            var b = Find(typeof(T), key, $"override '{arg}'");
            Type type = b.Property.PropertyType;
            string context = $"override '{arg}'";
            object? value = eq >= 0
                ? RecipeValues.FromText(arg[(eq + 1)..], type, b.AllowsNull, context)
                : type == typeof(bool) || type == typeof(bool?)
                    ? true
                    : throw new R1SharpException($"{context}: missing '=value' for key '{b.Key}'");
            b.Property.SetValue(copy, value);
        }
        return copy;
    }

    /// <summary>
    /// Every key of <typeparamref name="T"/> in declaration order with its default as compact JSON (what a config
    /// without that key gets), for help texts.
    /// </summary>
    /// <example>For SftConfig: ("model_name_or_path", "\"\""), ("dataset_path", "null"), ..., ("learning_rate", "2E-05"), ...</example>
    public static IReadOnlyList<(string Key, string Default)> KeyDefaults<T>() where T : class, new()
    {
        T defaults = new();
        return BindingsOf(typeof(T)).Select(b =>
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream)) RecipeValues.Write(w, b.Property.GetValue(defaults));
            return (b.Key, Encoding.UTF8.GetString(stream.ToArray()));
        }).ToArray();
    }

    /// <summary>The resolved config as an indented JSON object, keys in declaration order (saved in checkpoints).</summary>
    public static string ToJson<T>(T config) where T : class
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var b in BindingsOf(typeof(T)))
            {
                w.WritePropertyName(b.Key);
                RecipeValues.Write(w, b.Property.GetValue(config));
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// The known key closest to <paramref name="key"/> by edit distance, or null when none is within
    /// max(2, len/3) edits (then a suggestion would only confuse).
    /// </summary>
    public static string? ClosestKey(string key, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string k in known)
        {
            int d = EditDistance(key.ToLowerInvariant(), k);
            if (d < bestDistance) (best, bestDistance) = (k, d);
        }
        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    /// <summary>Keys that were renamed (old → new): refused with the new name, so configs use one spelling.</summary>
    private static readonly Dictionary<string, string> Renamed = new() { ["template"] = "chat_template" };

    private static Binding Find(Type type, string key, string context)
    {
        var all = BindingsOf(type);
        foreach (var b in all)
            if (b.Key == key) return b;
        if (Renamed.TryGetValue(key, out var now) && all.Any(b => b.Key == now))
            throw new R1SharpException($"{context}: key '{key}' is now spelled '{now}' (as r1's --chat-template); rename it");
        string? near = ClosestKey(key, all.Select(b => b.Key));
        string hint = near is not null ? $"did you mean '{near}'?" : $"known keys: {string.Join(", ", all.Select(b => b.Key))}";
        throw new R1SharpException($"{context}: unknown key '{key}'; {hint}");
    }

    // NullabilityInfoContext is not thread-safe, so each (cached, once per type) scan makes its own.
    private static Binding[] BindingsOf(Type type) => Bindings.GetOrAdd(type, t => Scan(t, new NullabilityInfoContext()));

    private static Binding[] Scan(Type t, NullabilityInfoContext nullability) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null && p.CanWrite)
            .OrderBy(p => p.MetadataToken)
            .Select(p => new Binding(p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name, p,
                Nullable.GetUnderlyingType(p.PropertyType) is not null
                || (!p.PropertyType.IsValueType && nullability.Create(p).WriteState == NullabilityState.Nullable)))
            .ToArray();

    // Records expose a compiler-generated clone; going through it keeps properties that are not config keys.
    private static T Clone<T>(T config) where T : class
    {
        var clone = typeof(T).GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"{typeof(T).Name} must be a record to be bound by RecipeConfig");
        return (T)clone.Invoke(config, null)!;
    }

    private static int EditDistance(string a, string b)
    {
        Span<int> prev = stackalloc int[b.Length + 1], cur = stackalloc int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            cur.CopyTo(prev);
        }
        return prev[b.Length];
    }
}
