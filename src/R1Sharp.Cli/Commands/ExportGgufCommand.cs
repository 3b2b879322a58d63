// `r1 export-gguf --model DIR --out FILE [--type f32|f16|q8_0]`: a qwen2/llama model directory as one GGUF file
// for llama.cpp / Ollama, with a progress line per tensor group on stderr.
using System.CommandLine;
using System.Globalization;
using R1Sharp.Formats.Gguf;
using R1Sharp.Models.Export;

namespace R1Sharp.Cli.Commands;

internal static class ExportGgufCommand
{
    static readonly Dictionary<string, GgmlType> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["f32"] = GgmlType.F32,
        ["f16"] = GgmlType.F16,
        ["q8_0"] = GgmlType.Q8_0,
    };

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<string>("--out", "-o") { Description = "GGUF file to write (replaced atomically)", Required = true };
        var type = new Option<string>("--type") { Description = "Type of the weight matrices: f32, f16 or q8_0 (norms and biases stay f32)", DefaultValueFactory = _ => "f32" };
        var command = new Command("export-gguf", "Export a qwen2/llama model directory to a GGUF file for llama.cpp") { model, output, type };
        CliAction.Set(command, (parse, token) =>
        {
            string typeName = parse.GetValue(type)!;
            if (!Types.TryGetValue(typeName, out var ggmlType))
                throw new R1SharpException($"--type: unknown '{typeName}'; use one of {string.Join(", ", Types.Keys)}");
            var result = GgufExporter.Export(parse.GetRequiredValue(model), parse.GetRequiredValue(output), ggmlType,
                new LineProgress(), token);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {result.OutputPath}: {result.Architecture} {typeName.ToLowerInvariant()}, {result.TensorCount} tensors, " +
                $"{InspectCommand.HumanBytes(result.FileBytes)} in {result.Elapsed.TotalSeconds:0.0} s"));
            return 0;
        });
        return command;
    }

    // Synchronous (Progress<T> would post to the thread pool and print out of order): about ten lines per export.
    sealed class LineProgress : IProgress<GgufExportProgress>
    {
        int _next;

        public void Report(GgufExportProgress p)
        {
            if (p.Index < _next && p.Index != p.Count - 1) return;
            _next = p.Index + Math.Max(1, p.Count / 10);
            Console.Error.WriteLine($"tensor {p.Index + 1}/{p.Count} {p.TensorName} ({p.Type})");
        }
    }
}
