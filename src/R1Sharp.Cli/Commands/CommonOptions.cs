// Options shared by several verbs, defined once so their names and help stay consistent.
using System.CommandLine;

namespace R1Sharp.Cli.Commands;

internal static class CommonOptions
{
    /// <summary>`--model DIR`: a Hugging Face model directory.</summary>
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Model directory (config.json, *.safetensors, tokenizer.json, tokenizer_config.json)",
        Required = true,
    };
}
