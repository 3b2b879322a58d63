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
        Line("parameters", $"{s.Parameters:N0} ({Human(s.Parameters)}){(c.TieWordEmbeddings ? ", tied embeddings" : "")}{(s.ConfigOnly ? ", computed from config.json (no weights)" : "")}");
        var n = s.Counts;
        if (c is Formats.Config.DeepSeekV3Config ds)
        {
            Line("moe", $"{ds.NRoutedExperts} routed experts ({ds.NumExpertsPerTok} per token, {ds.NGroup} groups, top {ds.TopkGroup}) + {ds.NSharedExperts} shared, first {ds.FirstKDenseReplace} layers dense");
            Line("mla", $"q_lora_rank {(ds.QLoraRank?.ToString(CultureInfo.InvariantCulture) ?? "none")}, kv_lora_rank {ds.KvLoraRank}, qk {ds.QkNopeHeadDim}+{ds.QkRopeHeadDim} (rope), v {ds.VHeadDim}");
        }
        Line("total", $"{n.Total:N0} ({Human(n.Total)}): embedding, all layers, final norm, lm_head; without MTP");
        Line("active", $"{n.Active:N0} ({Human(n.Active)}) per token: all but unselected routed experts (embedding, head, shared experts, routers included); {Human(n.ActiveWithoutEmbedding)} without the embedding");
        if (n.Mtp > 0) Line("mtp", $"{n.Mtp:N0} ({Human(n.Mtp)}) in {((Formats.Config.DeepSeekV3Config)c).NumNextnPredictLayers} MTP module(s), not loaded; total with MTP {Human(n.Total + n.Mtp)}");
        Line("kv cache", n.KvBytesPerTokenAbsorbed is { } abs
            ? $"{HumanBytes(n.KvBytesPerToken)}/token plain MLA, {HumanBytes(abs)}/token absorbed (latent + rope key; {n.KvBytesPerToken / (double)abs:0.#}x smaller), at {n.BytesPerElement} bytes/value"
            : $"{HumanBytes(n.KvBytesPerToken)}/token at {n.BytesPerElement} bytes/value");
        Line("shape", $"{c.NumHiddenLayers} layers, hidden {c.HiddenSize}, ffn {c.IntermediateSize}, heads {c.NumAttentionHeads} (kv {c.NumKeyValueHeads}), head_dim {(c is Formats.Config.DeepSeekV3Config dsv ? dsv.QkHeadDim : c.HeadDim)}, vocab {c.VocabSize}");
        Line("attention", $"rope_theta {c.RopeTheta:G}{(c.RopeScaling is null ? "" : $", rope_scaling {Describe(c.RopeScaling)}")}, context {c.MaxPositionEmbeddings}, rms_eps {c.RmsNormEps.ToString("G", CultureInfo.InvariantCulture).ToLowerInvariant()}, qkv bias {(c.AttentionBias ? "yes" : "no")}");
        if (s.ConfigOnly) Line("weights", "none (config.json only)");
        else Line("weights", $"{s.WeightFiles} file(s), {s.TensorCount} tensors, {HumanBytes(s.WeightBytes)}; " +
            string.Join(", ", s.ParametersByDType.Select(kv => $"{kv.Key} {Human(kv.Value)}")));
        if (!s.ConfigOnly) w.WriteLine("tensors");
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
            ["config_only"] = s.ConfigOnly,
            ["total_parameters"] = s.Counts.Total,
            ["active_parameters"] = s.Counts.Active,
            ["active_parameters_without_embedding"] = s.Counts.ActiveWithoutEmbedding,
            ["mtp_parameters"] = s.Counts.Mtp,
            ["kv_bytes_per_token"] = s.Counts.KvBytesPerToken,
            ["kv_bytes_per_token_absorbed"] = s.Counts.KvBytesPerTokenAbsorbed,
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

    static string Describe(R1Sharp.Formats.Config.RopeScaling r) => r switch
    {
        R1Sharp.Formats.Config.Llama3RopeScaling l => $"llama3 x{l.Factor:G} (original {l.OriginalMaxPositionEmbeddings}, low/high freq factor {l.LowFreqFactor:G}/{l.HighFreqFactor:G})",
        R1Sharp.Formats.Config.YarnRopeScaling y => $"yarn x{y.Factor:G} (original {y.OriginalMaxPositionEmbeddings}, beta {y.BetaFast:G}/{y.BetaSlow:G}, mscale {y.Mscale:G}/{y.MscaleAllDim:G})",
        _ => $"{r.Type} x{r.Factor:G}",
    };

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
