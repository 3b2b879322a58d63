// Property tests over random strict schemas (CsCheck): every answer the automaton lets through to its end parses and
// validates (a validator written here, independent of the compiler), every valid value is let through, and no
// reachable state is a dead end. Random walks prefer closing bytes so that they end.
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using R1Sharp.Generation.Structured;

namespace R1Sharp.Tests.Generation.Structured;

public class JsonSchemaPropertyTests
{
    // A schema on the test side: generated, written as JSON schema, validated and sampled here.
    abstract record TSchema;
    sealed record TString : TSchema;
    sealed record TNumber(bool Integer) : TSchema;
    sealed record TBool : TSchema;
    sealed record TNull : TSchema;
    sealed record TEnum(JsonNode?[] Values) : TSchema;
    sealed record TArray(TSchema Items) : TSchema;
    sealed record TObject((string Name, TSchema Value)[] Properties) : TSchema;
    sealed record TAnyOf(TSchema[] Options) : TSchema;

    static readonly string[] s_names = ["a", "name", "é", "x\"y", "a b", "tags", "n", "ключ", "😀", "nested"];

    static TSchema RandomSchema(Random r, int depth)
    {
        int kind = r.Next(depth <= 0 ? 6 : 9);
        return kind switch
        {
            0 => new TString(),
            1 => new TNumber(r.Next(2) == 0),
            2 => new TBool(),
            3 => new TNull(),
            4 or 5 => new TEnum([.. Enumerable.Range(0, 1 + r.Next(4)).Select(_ => RandomScalar(r)).DistinctBy(v => v?.ToJsonString())]),
            6 => new TArray(RandomSchema(r, depth - 1)),
            7 => RandomObject(r, depth - 1),
            _ => new TAnyOf([.. Enumerable.Range(0, 2 + r.Next(2)).Select(_ => RandomSchema(r, depth - 1))]),
        };
    }

    static TObject RandomObject(Random r, int depth) =>
        new([.. s_names.OrderBy(_ => r.Next()).Take(r.Next(4)).Select(n => (n, RandomSchema(r, depth)))]);

    static JsonNode? RandomScalar(Random r) => r.Next(5) switch
    {
        0 => JsonValue.Create(r.Next(-20, 200)),
        1 => JsonValue.Create(r.Next(2) == 0),
        2 => null,
        _ => JsonValue.Create(new[] { "red", "re", "é\"q", "a\\b", "", "日本" }[r.Next(6)]),
    };

    static JsonObject ToJson(TSchema s) => s switch
    {
        TString => new() { ["type"] = "string" },
        TNumber n => new() { ["type"] = n.Integer ? "integer" : "number" },
        TBool => new() { ["type"] = "boolean" },
        TNull => new() { ["type"] = "null" },
        TEnum e => new() { ["enum"] = new JsonArray([.. e.Values.Select(v => v?.DeepClone())]) },
        TArray a => new() { ["type"] = "array", ["items"] = ToJson(a.Items) },
        TObject o => new()
        {
            ["type"] = "object",
            ["properties"] = new JsonObject(o.Properties.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)ToJson(p.Value)))),
            ["required"] = new JsonArray([.. o.Properties.Select(p => (JsonNode)p.Name)]),
            ["additionalProperties"] = false,
        },
        TAnyOf a => new() { ["anyOf"] = new JsonArray([.. a.Options.Select(o => (JsonNode)ToJson(o))]) },
        _ => throw new ArgumentException(s.ToString()),
    };

    static bool Valid(TSchema s, JsonElement e) => s switch
    {
        TString => e.ValueKind == JsonValueKind.String && e.GetString() is not null,
        TNumber n => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && double.IsFinite(d) && (!n.Integer || d == Math.Floor(d)),
        TBool => e.ValueKind is JsonValueKind.True or JsonValueKind.False,
        TNull => e.ValueKind == JsonValueKind.Null,
        TEnum en => en.Values.Any(v => JsonNode.DeepEquals(v, JsonNode.Parse(e.GetRawText()))),
        TArray a => e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(i => Valid(a.Items, i)),
        TObject o => e.ValueKind == JsonValueKind.Object && e.EnumerateObject().Select(p => p.Name).SequenceEqual(o.Properties.Select(p => p.Name))
            && o.Properties.All(p => Valid(p.Value, e.GetProperty(p.Name))),
        TAnyOf a => a.Options.Any(o => Valid(o, e)),
        _ => false,
    };

    static JsonNode? RandomValue(Random r, TSchema s) => s switch
    {
        TString => JsonValue.Create(new[] { "", "hi", "é😀", "q\"\\/\n", "\u0001" }[r.Next(5)]),
        TNumber n => n.Integer ? JsonValue.Create(r.Next(-1000, 1000)) : JsonValue.Create(Math.Round(r.NextDouble() * 1e4 - 5e3, 3)),
        TBool => JsonValue.Create(r.Next(2) == 0),
        TNull => null,
        TEnum e => e.Values[r.Next(e.Values.Length)]?.DeepClone(),
        TArray a => new JsonArray([.. Enumerable.Range(0, r.Next(3)).Select(_ => RandomValue(r, a.Items))]),
        TObject o => new JsonObject(o.Properties.Select(p => KeyValuePair.Create(p.Name, RandomValue(r, p.Value)))),
        TAnyOf a => RandomValue(r, a.Options[r.Next(a.Options.Length)]),
        _ => throw new ArgumentException(s.ToString()),
    };

    static (TObject Schema, JsonGrammar Grammar) Case(ulong seed)
    {
        var r = new Random((int)(seed % int.MaxValue));
        var schema = RandomObject(r, 3);
        return (schema, JsonGrammar.FromSchema(JsonDocument.Parse(ToJson(schema).ToJsonString()).RootElement.Clone(), strict: true));
    }

    static readonly byte[] s_closing = "\"}],:0123456789tfnl".Select(c => (byte)c).ToArray();

    // A random answer the automaton accepts, preferring bytes that close values; null if it did not end within the limit.
    static string? Walk(JsonGrammar grammar, Random r, out bool deadEnd)
    {
        var state = JsonMatcher.Start(grammar);
        var bytes = new List<byte>();
        deadEnd = false;
        while (bytes.Count < 3000)
        {
            if (state.IsComplete && r.Next(3) > 0) return Encoding.UTF8.GetString([.. bytes]);
            var next = Enumerable.Range(0, 256).Select(b => (b, s: state.Advance([(byte)b]))).Where(x => x.s is not null).ToList();
            if (next.Count == 0)
            {
                deadEnd = !state.IsComplete;
                return deadEnd ? null : Encoding.UTF8.GetString([.. bytes]);
            }
            var preferred = next.Where(x => s_closing.Contains((byte)x.b)).ToList();
            var (b, s) = preferred.Count > 0 && r.Next(10) < 9 ? preferred[r.Next(preferred.Count)] : next[r.Next(next.Count)];
            bytes.Add((byte)b);
            state = s!;
        }
        return null;
    }

    [Fact]
    public void Every_answer_the_automaton_ends_parses_and_validates()
    {
        int ended = 0;
        Gen.ULong.Sample(seed =>
        {
            var (schema, grammar) = Case(seed);
            var r = new Random((int)(seed % 1000003));
            string? text = Walk(grammar, r, out bool deadEnd);
            Assert.False(deadEnd, "a reachable state allows no byte and is not complete");
            if (text is null) return;
            ended++;
            using var doc = JsonDocument.Parse(text);
            Assert.True(Valid(schema, doc.RootElement), $"{text}\ndoes not validate against\n{ToJson(schema).ToJsonString()}");
        }, iter: 300);
        Assert.True(ended > 200, $"only {ended} of 300 walks ended");
    }

    [Fact]
    public void Every_valid_value_is_accepted_with_any_layout()
    {
        var relaxed = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var indented = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true, IndentSize = 1 };
        Gen.ULong.Sample(seed =>
        {
            var (schema, grammar) = Case(seed);
            var r = new Random((int)(seed % 1000003));
            var value = RandomValue(r, schema);
            // Keys and enum strings are matched as written in the schema (non-ASCII raw, not \u-escaped), as xgrammar does.
            foreach (var options in new[] { relaxed, indented })
            {
                // Astral characters raw, as a model writes them (the serializer escapes them even when relaxed).
                string text = System.Text.RegularExpressions.Regex.Replace(value!.ToJsonString(options), @"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})",
                    m => char.ConvertFromUtf32(char.ConvertToUtf32((char)Convert.ToInt32(m.Groups[1].Value, 16), (char)Convert.ToInt32(m.Groups[2].Value, 16))));
                if (text.Split('\n').Any(l => l.Length - l.TrimStart().Length > JsonMachine.MaxWhitespace - 1)) continue; // deeper than the whitespace bound
                var state = JsonMatcher.Start(grammar).Advance(Encoding.UTF8.GetBytes(text));
                Assert.True(state?.IsComplete == true, $"refused:\n{text}\nschema:\n{ToJson(schema).ToJsonString()}");
            }
        }, iter: 300);
    }
}
