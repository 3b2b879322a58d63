// `r1 inspect --model DIR [--json]`: architecture, parameter count, dtypes, tensor groups,
// tokenizer and chat-template facts of a model directory.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using R1Sharp.Models;

namespace R1Sharp.Cli.Commands;

internal static class InspectCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var command = new Command("inspect", "Show a model's architecture, parameters, weights, tokenizer and chat template") { model, json };
        CliAction.Set(command, (parse, _) =>
        {
            var summary = ModelInspector.Inspect(CommonOptions.ResolveModel(parse, model));
            Console.Out.Write(parse.GetValue(json) ? ToJson(summary) + "\n" : ToText(summary));
            return 0;
        });
        return command;
    }

    internal static string ToText(ModelSummary s)
    {
        var c = s.Config;
        var w = new StringWriter(CultureInfo.InvariantCulture);
        void Line(string key, string value) => w.WriteLine($"{key,-13}{value}");
        Line("model", s.Directory);
        Line("architecture", $"{c.ModelType} ({string.Join(", ", c.Architectures.DefaultIfEmpty(c.DefaultArchitecture))})");
        Line("parameters", $"{s.Parameters:N0} ({Human(s.Parameters)}){(c.TieWordEmbeddings ? ", tied embeddings" : "")}");
        Line("shape", $"{c.NumHiddenLayers} layers, hidden {c.HiddenSize}, ffn {c.IntermediateSize}, heads {c.NumAttentionHeads} (kv {c.NumKeyValueHeads}), head_dim {c.HeadDim}, vocab {c.VocabSize}");
        Line("attention", $"rope_theta {c.RopeTheta:G}{(c.RopeScaling is null ? "" : $", rope_scaling {c.RopeScaling}")}, context {c.MaxPositionEmbeddings}, rms_eps {c.RmsNormEps.ToString("G", CultureInfo.InvariantCulture).ToLowerInvariant()}, qkv bias {(c.AttentionBias ? "yes" : "no")}");
        Line("weights", $"{s.WeightFiles} file(s), {s.TensorCount} tensors, {HumanBytes(s.WeightBytes)}; " +
            string.Join(", ", s.ParametersByDType.Select(kv => $"{kv.Key} {Human(kv.Value)}")));
        w.WriteLine("tensors");
        foreach (var g in s.TensorGroups)
            w.WriteLine($"  {g.Pattern,-48} {(g.Count > 1 ? $"x{g.Count}" : ""),-5} [{string.Join(", ", g.Shape)}] {g.DType}");
        if (s.Tokenizer is { } t)
        {
            int special = t.AddedTokens.Count(a => a.Special);
            Line("tokenizer", $"vocab {t.VocabSize}, {t.Merges.Count} merges, {t.AddedTokens.Count} added tokens ({special} special)");
            Line("special ids", $"bos {Token(t.BosToken, t.BosId)}, eos {Token(t.EosToken, t.EosId)}, pad {Token(null, t.PadId)}; adds BOS: {(t.AddsBosToken ? "yes" : "no")}");
        }
        else Line("tokenizer", "none (no tokenizer.json)");
        Line("template", s.ChatTemplate is { } ct
            ? $"{ct.Name}{(ct.PrefillsThinking ? " (generation prompt opens <think>)" : "")}, eos {ct.EosToken}"
            : $"none: {s.ChatTemplateProblem}");
        var g2 = s.Generation;
        Line("generation", $"temperature {Opt(g2.Temperature)}, top_p {Opt(g2.TopP)}, top_k {Opt(g2.TopK)}, do_sample {Opt(g2.DoSample)}");
        return w.ToString();
    }

    internal static string ToJson(ModelSummary s)
    {
        var c = s.Config;
        var o = new JsonObject
        {
            ["model"] = s.Directory,
            ["model_type"] = c.ModelType,
            ["parameters"] = s.Parameters,
            ["weight_bytes"] = s.WeightBytes,
            ["weight_files"] = s.WeightFiles,
            ["tensors"] = s.TensorCount,
            ["config"] = JsonNode.Parse(c.ToJson()),
            ["parameters_by_dtype"] = new JsonObject(s.ParametersByDType.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["tensor_groups"] = new JsonArray(s.TensorGroups.Select(g => (JsonNode)new JsonObject
            {
                ["pattern"] = g.Pattern, ["count"] = g.Count, ["shape"] = new JsonArray(g.Shape.Select(d => (JsonNode)d).ToArray()),
                ["dtype"] = g.DType, ["parameters"] = g.Parameters,
            }).ToArray()),
            ["tokenizer"] = s.Tokenizer is { } t ? new JsonObject
            {
                ["vocab_size"] = t.VocabSize, ["merges"] = t.Merges.Count, ["added_tokens"] = t.AddedTokens.Count,
                ["bos_token"] = t.BosToken, ["bos_token_id"] = t.BosId, ["eos_token"] = t.EosToken, ["eos_token_id"] = t.EosId,
                ["pad_token_id"] = t.PadId, ["adds_bos_token"] = t.AddsBosToken,
            } : null,
            ["chat_template"] = s.ChatTemplate is { } ct
                ? new JsonObject { ["name"] = ct.Name, ["prefills_thinking"] = ct.PrefillsThinking, ["eos_token"] = ct.EosToken }
                : null,
            ["generation_config"] = JsonNode.Parse(s.Generation.ToJson()),
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    static string Token(string? text, int? id) => id is null ? "none" : text is null ? $"{id}" : $"{text} ({id})";
    static string Opt<T>(T? v) where T : struct => v is { } x ? Convert.ToString(x, CultureInfo.InvariantCulture)!.ToLowerInvariant() : "unset";

    internal static string Human(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.##}B",
        >= 1_000_000 => $"{n / 1e6:0.##}M",
        >= 1_000 => $"{n / 1e3:0.##}K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    internal static string HumanBytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{n / 1024.0:0.##} KiB",
        _ => $"{n} B",
    };
}
