// `r1 merge-lora --model BASE --adapter DIR --out DIR [--dtype f32|bf16]`: PEFT's merge_and_unload as a verb — the base with
// W + (α/r)·B·A in every adapted projection, written as a plain HF model directory (config, safetensors, tokenizer files).
using System.CommandLine;
using R1Sharp.Models;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Cli.Commands;

internal static class MergeLoraCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        adapter.Required = true;
        var output = new Option<string>("--out", "-o") { Description = "Directory for the merged model (created; must not hold a model yet)", Required = true };
        var dtype = new Option<string?>("--dtype") { Description = "Precision of the merged weights: f32 (default) or bf16" };
        var command = new Command("merge-lora", "Merge a PEFT LoRA adapter into its base model and save an HF model directory") { model, adapter, output, dtype };
        CliAction.Set(command, (parse, _) =>
        {
            string? precision = parse.GetValue(dtype);
            if (precision is "int8" or "int4")
                throw new R1SharpException($"--dtype {precision}: merged models are saved in f32 or bf16; quantize when loading them (r1 run --dtype {precision})");
            var load = CommonOptions.LoadOptions(parse, dtype, adapter);
            string dir = CommonOptions.ResolveModel(parse, model), outDir = parse.GetRequiredValue(output);
            if (File.Exists(Path.Combine(outDir, "config.json")))
                throw new R1SharpException($"--out {outDir}: already holds a model (config.json); choose an empty directory");
            var adapterConfig = Models.Lora.PeftAdapterConfig.Load(load.Adapter!);
            using var merged = DecoderModel.Load(dir, load);
            Checkpointer.WriteModelDirectory(merged, outDir, Directory.Exists(dir) ? dir : null);
            Console.WriteLine($"merged {load.Adapter} (r={adapterConfig.R}, alpha={adapterConfig.Alpha}{(adapterConfig.UseRslora ? ", rslora" : "")}) into {dir} -> {outDir}");
            return 0;
        });
        return command;
    }
}
