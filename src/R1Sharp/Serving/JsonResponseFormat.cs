// A chat request's structured-output ask (OpenAI response_format json_object / json_schema, or Microsoft.Extensions.AI's
// ChatResponseFormatJson), before compiling: ChatGeneration turns it into a JsonGrammar, naming the field on errors.
using System.Text.Json;
using R1Sharp.Generation.Structured;

namespace R1Sharp.Serving;

/// <summary>
/// JSON output: <see cref="Schema"/> null = any JSON object (json_object), else a value of that schema (json_schema),
/// checked by OpenAI's strict rules when <see cref="Strict"/>. <see cref="Field"/> is how the request spells the schema
/// (e.g. <c>response_format.json_schema.schema</c>), used to name a refused keyword.
/// </summary>
public sealed record JsonResponseFormat(JsonElement? Schema, bool Strict, string Field)
{
    /// <summary>Compiles the grammar.</summary>
    /// <exception cref="ChatRequestException">A schema keyword outside the supported subset, named by its path.</exception>
    public JsonGrammar Compile()
    {
        if (Schema is not { } schema) return JsonGrammar.JsonObject;
        try { return JsonGrammar.FromSchema(schema, Strict); }
        catch (JsonSchemaException e)
        {
            string field = e.Path.Length == 0 ? Field : $"{Field}.{e.Path}";
            throw new ChatRequestException(field, $"{field}: {e.Message}");
        }
    }
}
