// `r1 new-model --arch qwen2|llama (--preset NAME | --config FILE) --tokenizer DIR --seed N --out DIR`:
// a random-initialised Hugging Face model directory.
using System.CommandLine;
using System.Diagnostics;
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Text;
using TorchSharp;

namespace R1Sharp.Cli.Commands;

internal static class NewModelCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "Architecture: qwen2 or llama (with --preset)" };
        var preset = new Option<string>("--preset")
        {
            Description = "Shape: " + string.Join(", ", ModelPresets.All.Select(p => p.Name)),
        };
        var config = new Option<string>("--config") { Description = "A config.json to use instead of a preset" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "Directory with tokenizer.json (e.g. from r1 train-tokenizer)", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 0 };
        var dtype = new Option<string>("--dtype") { Description = "Weight dtype: f32, bf16 or f16", DefaultValueFactory = _ => "f32" };
        var output = new Option<string>("--out") { Description = "Output model directory (must not exist or be empty)", Required = true };
        var command = new Command("new-model", "Create a random-initialised model directory (config, weights, tokenizer)")
        {
            arch, preset, config, tokenizer, seed, dtype, output,
        };
        CliAction.Set(command, (parse, _) =>
        {
            string tokenizerDir = parse.GetRequiredValue(tokenizer);
            var modelConfig = ResolveConfig(parse.GetValue(arch), parse.GetValue(preset), parse.GetValue(config), tokenizerDir);
            var scalar = parse.GetValue(dtype) switch
            {
                "f32" => torch.ScalarType.Float32,
                "bf16" => torch.ScalarType.BFloat16,
                "f16" => torch.ScalarType.Float16,
                var other => throw new R1SharpException($"--dtype: unknown '{other}'; use f32, bf16 or f16"),
            };
            var clock = Stopwatch.StartNew();
            string outDir = parse.GetRequiredValue(output);
            ModelFactory.CreateRandom(modelConfig, tokenizerDir, parse.GetValue(seed), outDir, scalar);
            var summary = ModelInspector.Inspect(outDir);
            Console.WriteLine($"created {modelConfig.ModelType} model with {summary.Parameters:N0} parameters " +
                $"({InspectCommand.HumanBytes(summary.WeightBytes)}) in {clock.Elapsed.TotalSeconds:0.0} s -> {outDir}");
            return 0;
        });
        return command;
    }

    static ModelConfig ResolveConfig(string? arch, string? presetName, string? configFile, string tokenizerDir)
    {
        if ((presetName is null) == (configFile is null))
            throw new R1SharpException("give exactly one of --preset NAME or --config FILE");
        if (configFile is not null)
        {
            if (!File.Exists(configFile)) throw new R1SharpException($"--config: file not found: {configFile}");
            var parsed = ModelConfig.Parse(File.ReadAllText(configFile), configFile);
            if (arch is not null && arch != parsed.ModelType)
                throw new R1SharpException($"--arch {arch} disagrees with model_type '{parsed.ModelType}' in {configFile}");
            return parsed;
        }
        if (arch is null) throw new R1SharpException($"--arch is required with --preset; use one of {string.Join(", ", ModelPresets.Architectures)}");
        var tok = HfTokenizer.Load(tokenizerDir);
        return ModelPresets.ToConfig(ModelPresets.Get(presetName!), arch, tok.VocabSize, tok.BosId, tok.EosId);
    }
}
