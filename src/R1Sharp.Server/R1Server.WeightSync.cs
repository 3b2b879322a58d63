// SGLang's weight-sync endpoints, so an RL trainer that drives SGLang workers (veRL, OpenRLHF, slime) can drive r1 serve
// too: POST /update_weights_from_disk (load a safetensors directory into the running model, answered as
// {"success", "message", "num_paused_requests"}, 200 or 400), GET|POST /flush_cache, GET /get_model_info (and /model_info).
// Shapes follow sglang/srt/entrypoints/http_server.py.
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using R1Sharp.Formats.Safetensors;

namespace R1Sharp.Server;

public sealed partial class R1Server
{
    /// <summary>SGLang's success message of update_weights_from_disk.</summary>
    public const string WeightsUpdatedMessage = "Succeeded to update model weights.";
    /// <summary>SGLang's /flush_cache answer (r1 serve keeps no KV cache across requests, so there is never anything to flush).</summary>
    public const string CacheFlushedText = "Cache flushed.\nPlease check backend logs for more details. (When there are running or waiting requests, the operation will not be performed.)\n";

    private static readonly string[] WeightSyncRoutes = ["/update_weights_from_disk", "/flush_cache", "/get_model_info", "/model_info"];

    private void MapWeightSync()
    {
        _app.MapPost("/update_weights_from_disk", UpdateWeightsFromDiskAsync);
        _app.MapMethods("/flush_cache", ["GET", "POST"], (HttpContext http) => Results.Text(CacheFlushedText, "text/plain; charset=utf-8"));
        _app.MapGet("/get_model_info", WriteModelInfo);
        _app.MapGet("/model_info", WriteModelInfo);
    }

    // Waits for the running sequences to finish (queued ones wait too), loads the new weights in place, then answers.
    private async Task UpdateWeightsFromDiskAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        using var doc = ChatCompletionRequest.ParseBody(body.ToArray());
        var request = WeightUpdateRequest.Parse(doc.RootElement);
        string? error = null;
        try { await _scheduler.RunWhenIdleAsync(() => LoadWeightsInPlace(request.ModelPath)); }
        catch (Exception e) when (e is R1SharpException or IOException or UnauthorizedAccessException) { error = e.Message; }
        if (error is null)
        {
            _modelPath = Path.GetFullPath(request.ModelPath);
            if (request.WeightVersion is { } version) _weightVersion = version;
        }
        await WriteJson(http, error is null ? 200 : 400, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", error is null);
            w.WriteString("message", error ?? WeightsUpdatedMessage);
            w.WriteNumber("num_paused_requests", 0);   // running requests finish on the old weights; none is paused
            w.WriteEndObject();
        });
    }

    // On the scheduler thread, between generations. Names, shapes and dtypes are all checked before the first copy, so a
    // refused directory leaves the old weights in place. The fused and transposed views the decode step reads share the
    // parameters' storage, so they see the new values.
    private void LoadWeightsInPlace(string directory)
    {
        var model = _scheduler.TextGenerator.Model;
        if (model.Quantization is { } format)
            throw new R1SharpException($"the server runs {format} weights (--dtype); updating weights from disk needs --dtype f32 or bf16");
        if (!Directory.Exists(directory)) throw new R1SharpException($"{directory}: no such directory (model_path)");
        using var weights = SafetensorsModel.Open(directory);
        model.LoadWeights(weights);
    }

    private Task WriteModelInfo(HttpContext http) => WriteJson(http, 200, w =>
    {
        var config = _scheduler.TextGenerator.Model.Config;
        w.WriteStartObject();
        w.WriteString("model_path", _modelPath ?? Options.ModelId);
        w.WriteString("tokenizer_path", _tokenizerPath ?? Options.ModelId);
        w.WriteBoolean("is_generation", true);
        w.WriteNull("preferred_sampling_params");
        w.WriteString("weight_version", _weightVersion);
        w.WriteBoolean("has_image_understanding", false);
        w.WriteBoolean("has_audio_understanding", false);
        w.WriteString("model_type", config.ModelType);
        w.WriteStartArray("architectures");
        foreach (string a in config.Architectures) w.WriteStringValue(a);
        w.WriteEndArray();
        w.WriteEndObject();
    });
}
