// Options shared by several verbs, defined once so their names and help stay consistent.
using System.CommandLine;
using R1Sharp.Hub;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Cli.Commands;

internal static class CommonOptions
{
    /// <summary>`--model DIR|FILE.gguf|ORG/NAME[@REV]`: a Hugging Face model directory, a GGUF file, or a repo in the hub cache.</summary>
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Model directory (config.json, *.safetensors, tokenizer.json, tokenizer_config.json), a qwen2/llama GGUF file " +
            "(F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K; dequantized on load), ollama:NAME[:TAG] from Ollama's store, " +
            "or a hub repo ORG/NAME[@REV] (pulled on first use, as `r1 pull`; --offline refuses)",
        Required = true,
    };

    /// <summary>The model an option names: a directory or GGUF file as is, Ollama's blob of <c>ollama:NAME</c>, or a hub repo's
    /// snapshot directory, pulled first when not cached (unless --offline).</summary>
    public static string ResolveModel(ParseResult parse, Option<string> option) =>
        ModelSource.Resolve(parse.GetRequiredValue(option), parse.GetValue(R1Cli.Offline));

    /// <summary>`--dtype f32|bf16|int8|int4`: the weight precision of a loaded model (inference verbs only; training keeps fp32).</summary>
    public static Option<string?> WeightDType() => new("--dtype")
    {
        Description = "Weight precision: f32 (default); bf16 (BF16 checkpoints load as they are, half the memory of f32; " +
            "matmuls in bf16, norms, RoPE and logits in fp32); int8 or int4 (qwen2/llama: every projection and the head " +
            "quantized on load in blocks of 32 with one scale each, as llama.cpp's Q8_0/Q4_0; 28 % or 16 % of f32's bytes)",
    };

    /// <summary>The load options `--dtype` (and `--adapter`) ask for; unknown names are one-line errors (exit 2).</summary>
    public static Models.ModelLoadOptions LoadOptions(ParseResult parse, Option<string?> dtype, Option<string?>? adapter = null) =>
        Models.WeightDTypes.LoadOptions(parse.GetValue(dtype)) with { Adapter = adapter is null ? null : CheckAdapter(parse.GetValue(adapter)) };

    /// <summary>`--adapter DIR`: a PEFT LoRA adapter merged into the model's weights at load (before any int8/int4 quantization).</summary>
    public static Option<string?> Adapter() => new("--adapter")
    {
        Description = "PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors, e.g. a checkpoint of a use_peft run) " +
            "merged into the weights at load, before --dtype int8/int4 quantizes them",
    };

    /// <summary>The --adapter value when it is a directory holding adapter_config.json; else a one-line error (exit 2).</summary>
    public static string? CheckAdapter(string? dir) =>
        dir is null || File.Exists(Path.Combine(dir, Models.Lora.PeftAdapterConfig.FileName)) ? dir
            : throw new R1SharpException($"--adapter {dir}: no {Models.Lora.PeftAdapterConfig.FileName} there; give a PEFT LoRA adapter directory");

    /// <summary>`--chat-template NAME`: override the model's chat template (llama.cpp's option of the same name).</summary>
    public static Option<string> ChatTemplateName() => new("--chat-template")
    {
        Description = $"Chat template: {string.Join(", ", ChatTemplate.Names)} (auto = the model's own; r1-zero for base models trained with the R1-Zero prompt)",
        DefaultValueFactory = _ => "auto",
    };
}
