// Hand-written cases of the JSON automaton (json_object and schema grammars), the schema compiler's refusals and the
// vocabulary trie's token mask.
using System.Text;
using System.Text.Json;
using R1Sharp.Generation.Structured;

namespace R1Sharp.Tests.Generation.Structured;

public class JsonMatcherTests
{
    internal static JsonGrammar Schema(string json, bool strict = true) => JsonGrammar.FromSchema(JsonDocument.Parse(json).RootElement.Clone(), strict);

    // null: refused somewhere; false: a valid prefix but not complete; true: complete.
    internal static bool? Match(JsonGrammar grammar, string text)
    {
        var state = JsonMatcher.Start(grammar).Advance(Encoding.UTF8.GetBytes(text));
        return state?.IsComplete;
    }

    [Theory]
    [InlineData("{}", true)]
    [InlineData(" \n{ \"a\" : [1, -2.5e3, \"x\", true, null, {}], \"b\": {\"c\": []}}", true)]
    [InlineData("{\"a\":1", false)]
    [InlineData("{\"a\":", false)]
    [InlineData("[]", null)]          // json_object: the answer is an object
    [InlineData("\"x\"", null)]
    [InlineData("{\"a\":}", null)]
    [InlineData("{\"a\":1,}", null)]
    [InlineData("{'a':1}", null)]
    [InlineData("{} ", null)]          // nothing after the value
    [InlineData("{\"a\":01}", null)]
    [InlineData("{\"a\":1.}", null)]
    [InlineData("{\"a\":tru}", null)]
    [InlineData("{\"a\":\"\\u00e9\\n\"}", true)]
    [InlineData("{\"a\":\"\\ud800\"}", null)] // no lone surrogate escapes
    [InlineData("{\"a\":\"\\ud83d\\ude00\"}", true)] // a pair is fine
    [InlineData("{\"a\":\"\\ud83d\\u0041\"}", null)]
    [InlineData("{\"a\":\"\\x\"}", null)]
    [InlineData("{\"a\":\"tab\there\"}", null)] // raw control characters are not JSON
    public void Json_object_accepts_json_objects_only(string text, bool? expected) =>
        Assert.Equal(expected, Match(JsonGrammar.JsonObject, text));

    [Fact]
    public void Strings_take_well_formed_utf8_only()
    {
        var start = JsonMatcher.Start(JsonGrammar.JsonObject).Advance("{\"a\":\""u8)!;
        Assert.NotNull(start.Advance("é€😀"u8));
        Assert.NotNull(start.Advance([0xC3]));           // a character split across tokens waits for its continuation
        Assert.Null(start.Advance([0x80]));               // a continuation byte without a lead
        Assert.Null(start.Advance([0xC0, 0xAF]));         // overlong
        Assert.Null(start.Advance([0xED, 0xA0, 0x80]));   // an encoded surrogate
        Assert.Null(start.Advance([0xC3, 0x41]));         // a lead byte then ASCII
    }

    [Fact]
    public void Whitespace_runs_are_bounded()
    {
        Assert.Equal(false, Match(JsonGrammar.JsonObject, "{" + new string(' ', JsonMachine.MaxWhitespace)));
        Assert.Null(Match(JsonGrammar.JsonObject, "{" + new string(' ', JsonMachine.MaxWhitespace + 1)));
    }

    const string Person = """
        {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},
         "tags":{"type":"array","items":{"enum":["a","b"]}},"nick":{"type":["string","null"]}},
         "required":["name","age","tags","nick"],"additionalProperties":false}
        """;

    [Theory]
    [InlineData("{\"name\":\"Ann\",\"age\":41,\"tags\":[\"a\",\"b\"],\"nick\":null}", true)]
    [InlineData("{ \"name\": \"Ann\", \"age\": -3, \"tags\": [], \"nick\": \"an\" }", true)]
    [InlineData("{\"name\":\"Ann\",\"age\":41,\"tags\":[]}", null)]          // nick is required
    [InlineData("{\"age\":41", null)]                                       // declaration order
    [InlineData("{\"name\":\"Ann\",\"age\":4.5", null)]                     // integer
    [InlineData("{\"name\":\"Ann\",\"age\":4,\"tags\":[\"c\"", null)]       // enum
    [InlineData("{\"name\":\"Ann\",\"age\":4,\"tags\":[],\"nick\":null,\"x\":1}", null)] // no extra properties
    [InlineData("{\"name\":\"Ann\",\"age\":4,\"tags\":[],\"nick\":nul", false)]
    public void Strict_schema_objects(string text, bool? expected) => Assert.Equal(expected, Match(Schema(Person), text));

    [Theory]
    [InlineData("{\"a\":1}", true)]
    [InlineData("{\"a\":12}", true)]
    [InlineData("{\"a\":1", false)]
    [InlineData("{\"a\":123}", null)]
    [InlineData("{\"a\":2}", null)]
    public void Enum_values_that_prefix_each_other(string text, bool? expected) =>
        Assert.Equal(expected, Match(Schema("""{"type":"object","properties":{"a":{"enum":[1,12]}},"required":["a"],"additionalProperties":false}"""), text));

    [Theory]
    [InlineData("{}", true)]
    [InlineData("{\"b\":true}", true)]
    [InlineData("{\"a\":1,\"b\":false}", true)]
    [InlineData("{\"b\":true,\"a\":1}", null)]
    [InlineData("{\"c\":1}", null)]
    public void Optional_properties_may_be_skipped_when_not_strict(string text, bool? expected) =>
        Assert.Equal(expected, Match(Schema("""{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"boolean"}}}""", strict: false), text));

    [Fact]
    public void Recursive_refs_and_any_of()
    {
        var tree = Schema("""
            {"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},
              "required":["v","kids"],"additionalProperties":false}},
             "type":"object","properties":{"root":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["root"],"additionalProperties":false}
            """);
        Assert.Equal(true, Match(tree, "{\"root\":{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[]}]}}"));
        Assert.Equal(true, Match(tree, "{\"root\":null}"));
        Assert.Null(Match(tree, "{\"root\":{\"v\":1,\"kids\":[{\"v\":2}]}}"));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"s":{"type":"string","pattern":"^a"}},"required":["s"],"additionalProperties":false}""", "properties.s.pattern")]
    [InlineData("""{"type":"object","properties":{"s":{"type":"string"}},"required":["s"]}""", "additionalProperties")]
    [InlineData("""{"type":"object","properties":{"s":{"type":"string"}},"required":[],"additionalProperties":false}""", "required")]
    [InlineData("""{"type":"string"}""", "type")]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer","minimum":0}},"required":["n"],"additionalProperties":false}""", "properties.n.minimum")]
    [InlineData("""{"type":"object","properties":{"r":{"$ref":"#/$defs/none"}},"required":["r"],"additionalProperties":false}""", "properties.r.$ref")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array"}},"required":["a"],"additionalProperties":false}""", "properties.a.items")]
    [InlineData("""{"type":"object","properties":{},"additionalProperties":false,"oneOf":[]}""", "oneOf")]
    public void Unsupported_keywords_are_refused_by_path(string schema, string path)
    {
        var e = Assert.Throws<JsonSchemaException>(() => Schema(schema));
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void Token_mask_allows_exactly_the_tokens_that_continue()
    {
        byte[]?[] vocab = ["{"u8.ToArray(), "}"u8.ToArray(), "\""u8.ToArray(), "a"u8.ToArray(), "{\""u8.ToArray(), "\":"u8.ToArray(), "1"u8.ToArray(), null, "{}"u8.ToArray(), " "u8.ToArray()];
        var trie = new TokenTrie(vocab);
        var grammar = Schema("""{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}""");
        var sampler = new JsonConstraintSampler(grammar, trie, [7]) { Active = true };
        int[] Allowed()
        {
            var workspace = new R1Sharp.Generation.SamplerWorkspace(vocab.Length);
            var candidates = workspace.Load(new float[vocab.Length]);
            sampler.Apply(ref candidates);
            var logits = candidates.Logits.ToArray();
            return [.. Enumerable.Range(0, vocab.Length).Where(i => !float.IsNegativeInfinity(logits[i]))];
        }
        Assert.Equal([0, 4, 9], Allowed());       // "{", "{\"", " " — not "{}" (a is required), not EOS (7)
        sampler.Accept(4);
        Assert.Equal([3], Allowed());             // only the key a
        foreach (int t in new[] { 3, 5, 6 }) sampler.Accept(t);
        Assert.Equal([1, 6, 9], Allowed());       // "}", more digits, whitespace
        sampler.Accept(1);
        Assert.Equal([7], Allowed());             // complete: only EOS
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"name\":\"An")]            // inside a string: the plain-text fast path
    [InlineData("{\"name\":\"An\\")]        // after a backslash
    [InlineData("{\"name\":\"A\",\"age\":1")]
    [InlineData("{\"name\":\"A\",\"age\":1,\"tags\":[")]
    public void Token_mask_equals_checking_each_token_alone(string prefix)
    {
        var tokenizer = R1Sharp.Tests.Generation.GeneratorTestKit.Tokenizer;
        var trie = TokenTrie.For(tokenizer, tokenizer.VocabSize);
        var grammar = Schema(Person);
        var sampler = new JsonConstraintSampler(grammar, trie, [-1]) { Active = true };
        foreach (byte b in Encoding.UTF8.GetBytes(prefix)) sampler.Accept(ByteToken(trie, b));
        var state = JsonMatcher.Start(grammar).Advance(Encoding.UTF8.GetBytes(prefix))!;
        var workspace = new R1Sharp.Generation.SamplerWorkspace(trie.VocabSize);
        var candidates = workspace.Load(new float[trie.VocabSize]);
        sampler.Apply(ref candidates);
        var masked = candidates.Logits.ToArray();
        for (int id = 0; id < trie.VocabSize; id++)
        {
            bool alone = trie.Bytes(id) is { } bytes && state.Advance(bytes) is not null;
            Assert.True(alone == !float.IsNegativeInfinity(masked[id]), $"token {id} ({tokenizer.IdToToken(id)}): alone {alone}");
        }
    }

    static int ByteToken(TokenTrie trie, byte b) =>
        Enumerable.Range(0, trie.VocabSize).First(id => trie.Bytes(id) is [var only] && only == b);
}
