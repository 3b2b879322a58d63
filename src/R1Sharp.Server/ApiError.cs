// Errors in OpenAI's shape {"error":{"message","type","param","code"}} (DeepSeek and llama.cpp use the same body).
using System.Text.Json;

namespace R1Sharp.Server;

/// <summary>A request the server refuses: HTTP status plus the OpenAI error fields.</summary>
public sealed class ApiError(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null)
    : Exception(message)
{
    /// <summary>HTTP status (400, 401, 404, 413, 429, 500, ...).</summary>
    public int Status { get; } = status;
    /// <summary>OpenAI error type, e.g. invalid_request_error.</summary>
    public string Type { get; } = type;
    /// <summary>The request field at fault, or null.</summary>
    public string? Param { get; } = param;
    /// <summary>A machine-readable code, e.g. model_not_found, or null.</summary>
    public string? Code { get; } = code;

    /// <summary>400 for a field.</summary>
    public static ApiError BadField(string param, string message, string code = "invalid_value") => new(400, message, param: param, code: code);

    /// <summary>The JSON body.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, OpenAiJson.WriterOptions))
        {
            w.WriteStartObject();
            WriteErrorObject(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Writes <c>"error": {...}</c> into an open object.</summary>
    public void WriteErrorObject(Utf8JsonWriter w)
    {
        w.WriteStartObject("error");
        w.WriteString("message", Message);
        w.WriteString("type", Type);
        if (Param is null) w.WriteNull("param"); else w.WriteString("param", Param);
        if (Code is null) w.WriteNull("code"); else w.WriteString("code", Code);
        w.WriteEndObject();
    }
}
