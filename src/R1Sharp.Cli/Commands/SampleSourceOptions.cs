// Where `r1 eval` and `r1 distill` take samples from (a local model, or an OpenAI-compatible endpoint) and which
// problems (a dataset file, or the built-in chain-sum task): the options, their checks and the backend, defined once.
using System.CommandLine;
using R1Sharp.Evaluation;
using R1Sharp.Hub;
using R1Sharp.Tasks;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Cli.Commands;

/// <summary>The sample-source and problem-source options of a verb; <paramref name="localFlag"/> is --model or --teacher.</summary>
internal sealed class SampleSourceOptions(string localFlag, string localDescription, string datasetDescription, string taskDescription)
{
    public Option<string?> Local { get; } = new(localFlag, "-m") { Description = localDescription };
    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "OpenAI-compatible server base URL, e.g. http://localhost:8000 or https://api.deepseek.com/v1" };
    public Option<string?> ModelName { get; } = new("--model-name") { Description = "The model field sent to --endpoint" };
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "Bearer key for --endpoint (default: $OPENAI_API_KEY)" };
    public Option<string?> Dataset { get; } = new("--dataset", "-d") { Description = datasetDescription };
    public Option<string?> Task { get; } = new("--task") { Description = taskDescription };
    public Option<string> ChatTemplate { get; } = CommonOptions.ChatTemplateName();
    public Option<int> Concurrency { get; } = new("--concurrency", "-c") { Description = "Requests in flight at most (--endpoint)", DefaultValueFactory = _ => 8 };
    public Option<string?> DType { get; } = CommonOptions.WeightDType();
    public Option<string?> Adapter { get; } = CommonOptions.Adapter();

    /// <summary>The options in help order.</summary>
    public IEnumerable<Option> All => [Local, Endpoint, ModelName, ApiKey, Dataset, Task, ChatTemplate, Concurrency, DType, Adapter];

    /// <summary>The chosen sources, checked: exactly one sample source and one problem source, chain-sum only locally.</summary>
    public SampleSource Read(ParseResult parse)
    {
        string? local = parse.GetValue(Local), url = parse.GetValue(Endpoint), path = parse.GetValue(Dataset), task = parse.GetValue(Task);
        if ((local is null) == (url is null))
            throw new R1SharpException($"give exactly one of {localFlag} DIR|ORG/NAME (local) and --endpoint URL (remote)");
        if (url is not null && parse.GetValue(ModelName) is null)
            throw new R1SharpException("--endpoint needs --model-name NAME (the model the server serves)");
        if ((path is null) == (task is null)) throw new R1SharpException("give exactly one of --dataset FILE and --task chain-sum");
        if (task is not null && task != ChainSumTask.Name) throw new R1SharpException($"--task: unknown task '{task}'; the built-in task is {ChainSumTask.Name}");
        if (task is not null && url is not null)
            throw new R1SharpException($"--task chain-sum needs a local {localFlag}: its plain R1-Zero prompts are not chat messages an endpoint would template");
        if (path is not null && !File.Exists(path)) throw new R1SharpException($"--dataset: file not found: {path}");
        string? dtype = parse.GetValue(DType);
        if (dtype is not null && url is not null)
            throw new R1SharpException($"--dtype chooses the weights of a local {localFlag}; the --endpoint server chooses its own precision, drop --dtype");
        string? adapter = parse.GetValue(Adapter);
        if (adapter is not null && url is not null)
            throw new R1SharpException($"--adapter applies to a local {localFlag}; the --endpoint server loads its own weights, drop --adapter");
        return new SampleSource(local, url, parse.GetValue(ModelName), parse.GetValue(ApiKey), parse.GetValue(Concurrency), path, parse.GetRequiredValue(ChatTemplate),
            Models.WeightDTypes.LoadOptions(dtype) with { Adapter = CommonOptions.CheckAdapter(adapter) }, parse.GetValue(R1Cli.Offline));
    }
}

/// <summary>Checked sources: a local model argument or an endpoint; a dataset path or (null) the chain-sum task.</summary>
internal sealed record SampleSource(string? Local, string? Endpoint, string? ModelName, string? ApiKey, int Concurrency, string? Dataset, string ChatTemplate,
    Models.ModelLoadOptions Load, bool Offline)
{
    /// <summary>True for --task chain-sum.</summary>
    public bool ChainSum => Dataset is null;

    /// <summary>The local model's directory or file (ORG/NAME resolved in the hub cache, pulled on first use; ollama:NAME in Ollama's store).</summary>
    public string LocalPath() => _localPath ??= ModelSource.Resolve(Local!, Offline); // resolved (and pulled) once

    private string? _localPath;

    /// <summary>The identity of an eval run sampling this source with <paramref name="options"/>: the model's full path
    /// and weights fingerprint (an endpoint: its URL and model name), the problems and every sampling setting.</summary>
    public EvalRunKey RunKey(IReadOnlyList<Data.Problem> problems, EvalOptions options, string? instruction, string chatTemplate, string? dtype) =>
        RunKey(EvalRunKey.FingerprintProblems(problems), options, instruction, chatTemplate, dtype);

    /// <summary>As above, with the problems named by <paramref name="dataset"/>; <paramref name="recipe"/> adds the
    /// recipe's own output settings (see <see cref="EvalRunKey.Recipe"/>).</summary>
    public EvalRunKey RunKey(string dataset, EvalOptions options, string? instruction, string chatTemplate, string? dtype, string? recipe = null) =>
        Endpoint is not null
            ? EvalRunKey.Create(Endpoint + " " + ModelName, "remote", dataset, options, instruction, chatTemplate, "server", recipe)
            : EvalRunKey.Create(Path.GetFullPath(LocalPath()), EvalRunKey.FingerprintModel(LocalPath()), dataset, options, instruction,
                chatTemplate, (dtype ?? "f32") + (Load.Adapter is { } a ? " + LoRA " + Path.GetFullPath(a) + " " + EvalRunKey.FingerprintModel(a) : ""), recipe);

    /// <summary>The endpoint client, or the local model loaded (<see cref="LocalPath"/>) with the chat template
    /// <paramref name="template"/> gives for its directory, named by <paramref name="localName"/> (argument, directory).</summary>
    public IEvalBackend OpenBackend(EvalOptions options, string? instruction, Func<string, IChatTemplate> template, Func<string, string, string> localName)
    {
        if (Endpoint is not null)
            return new OpenAiEvalClient(new OpenAiEvalClientOptions
            {
                Endpoint = Endpoint, ModelName = ModelName!, ApiKey = ApiKey ?? Environment.GetEnvironmentVariable("OPENAI_API_KEY"),
                Concurrency = Concurrency, Instruction = instruction,
            }, options);
        string directory = LocalPath();
        return LocalEvalBackend.Load(directory, template, options, instruction, localName(Local!, directory), Load);
    }
}
