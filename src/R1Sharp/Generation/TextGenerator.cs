// The batched generator used by serving, evaluation and GRPO rollouts: many prompts × n samples in one loop
// (HF generate / vLLM LLM.generate roles). This file: construction, request checks, streaming; the loop is in
// TextGenerator.Loop.cs.
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Text;

namespace R1Sharp.Generation;

/// <summary>
/// Generates continuations of token prompts with a <see cref="DecoderModel"/>. One call runs every prompt × n
/// samples as one batch: a left-padded prefill (each prompt once, its cache rows then shared by its n samples), then one
/// decode step per token for all live rows; finished rows leave the batch and the KV cache. Not thread-safe:
/// one call at a time per instance (the model is shared state).
/// </summary>
public sealed partial class TextGenerator : IDisposable
{
    private readonly bool _ownsModel;

    /// <summary>Wraps a loaded model and its tokenizer. <paramref name="generationConfig"/> supplies EOS ids and defaults.</summary>
    public TextGenerator(DecoderModel model, HfTokenizer tokenizer, GenerationConfig? generationConfig = null)
        : this(model, tokenizer, generationConfig, ownsModel: false) { }

    private TextGenerator(DecoderModel model, HfTokenizer tokenizer, GenerationConfig? generationConfig, bool ownsModel)
    {
        Model = model;
        Tokenizer = tokenizer;
        GenerationConfig = generationConfig ?? GenerationConfig.Default;
        _ownsModel = ownsModel;
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new R1SharpException($"tokenizer has {tokenizer.VocabSize} tokens but config.json vocab_size is {model.Config.VocabSize}; " +
                "the tokenizer and the model do not belong together");
        EosTokenIds = ResolveEos(model.Config, tokenizer, GenerationConfig);
        ForcedThinkingEnd = tokenizer.Encode("\n</think>\n\n", addSpecialTokens: false);
        DecodeKernels = DenseDecodeStep.TryCreate(model);
    }

    /// <summary>The managed decode step for this model's layout (null: every step runs the TorchSharp forward).</summary>
    internal DenseDecodeStep? DecodeKernels { get; }

    /// <summary>
    /// When a prompt has several samples and the managed decode step runs the batch, its samples read the prompt's keys and
    /// values from one shared place (<see cref="KvCache.SharePrompts"/>) instead of a copy per sample: GRPO's G rollouts
    /// of a 512-token prompt skip G − 1 prompt copies and read it once per step. Results are bitwise the same either way;
    /// false copies, for comparisons. Default true.
    /// </summary>
    public bool SharePrompts { get; set; } = true;

    /// <summary>
    /// Loads config.json, weights, tokenizer.json and generation_config.json from a model directory, or a GGUF file
    /// (model, tokenizer and EOS from its metadata; no generation_config defaults).
    /// </summary>
    public static TextGenerator Load(string modelDirectory, ModelLoadOptions? options = null)
    {
        if (!Directory.Exists(modelDirectory) && !File.Exists(modelDirectory))
            throw new R1SharpException($"{modelDirectory}: model directory not found; pass --model DIR with config.json and *.safetensors, or --model FILE.gguf");
        var tokenizer = HfTokenizer.Load(modelDirectory);
        var generation = GenerationConfig.Load(modelDirectory);
        var model = DecoderModel.Load(modelDirectory, options);
        try { return new TextGenerator(model, tokenizer, generation, ownsModel: true); }
        catch { model.Dispose(); throw; }
    }

    /// <summary>Tests only: a stage put first in every sequence's sampler chain (e.g. one that scripts the output, so a tiny
    /// model "calls a tool" end to end). Null in normal use.</summary>
    internal Func<ISampler>? TestLogitsProcessor { get; set; }

    /// <summary>The model.</summary>
    public DecoderModel Model { get; }
    /// <summary>The tokenizer (decoding and the forced thinking-end ids).</summary>
    public HfTokenizer Tokenizer { get; }
    /// <summary>The model's generation_config.json (or <see cref="GenerationConfig.Default"/>).</summary>
    public GenerationConfig GenerationConfig { get; }
    /// <summary>EOS ids used when options give none: generation_config eos_token_id, else config.json's, plus the tokenizer's EOS.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }
    /// <summary>Ids of "\n&lt;/think&gt;\n\n", forced when the thinking budget is spent.</summary>
    public IReadOnlyList<int> ForcedThinkingEnd { get; }
    /// <summary>The model's context (max_position_embeddings).</summary>
    public int ModelContextLength => Model.Config.MaxPositionEmbeddings;

    /// <summary>Options with this model's generation_config.json defaults (R1-Distill: temperature 0.6, top-p 0.95).</summary>
    public GenerationOptions DefaultOptions() => GenerationOptions.FromGenerationConfig(GenerationConfig);

    /// <summary>
    /// Generates n samples for every request in one batched loop and returns the results prompt-major
    /// (index = prompt·n + sample). <paramref name="onDelta"/> receives streamed text, and each sequence's result
    /// on its last delta, on the calling thread. Cancelling stops at the next step and returns partial results
    /// with <see cref="FinishReason.Cancelled"/> (no exception).
    /// </summary>
    /// <exception cref="R1SharpException">Bad options, an empty prompt, an id outside the vocabulary, or a prompt that fills the context.</exception>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, GenerationOptions? options = null,
        Action<GenerationDelta>? onDelta = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? DefaultOptions()).Validate();
        int context = CheckRequests(requests, options);
        var sequences = CreateSequences(requests, options, context);
        Run(requests, sequences, options, onDelta, cancellationToken);
        return sequences.Select(s => s.ToResult()).ToArray();
    }

    /// <summary>One prompt, one sample: the result.</summary>
    public GenerationResult Generate(GenerationRequest request, GenerationOptions? options = null,
        Action<GenerationDelta>? onDelta = null, CancellationToken cancellationToken = default) =>
        Generate([request], (options ?? DefaultOptions()) with { SamplesPerPrompt = 1 }, onDelta, cancellationToken)[0];

    /// <summary>
    /// Runs <see cref="Generate(IReadOnlyList{GenerationRequest}, GenerationOptions?, Action{GenerationDelta}?, CancellationToken)"/>
    /// on a worker thread and yields its deltas as they come (each sequence's last one carries its result).
    /// </summary>
    public async IAsyncEnumerable<GenerationDelta> StreamAsync(IReadOnlyList<GenerationRequest> requests, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<GenerationDelta>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var worker = Task.Run(() =>
        {
            try { Generate(requests, options, d => channel.Writer.TryWrite(d), cancellationToken); channel.Writer.TryComplete(); }
            catch (Exception e) { channel.Writer.TryComplete(e); }
        }, CancellationToken.None);
        await foreach (var delta in channel.Reader.ReadAllAsync(CancellationToken.None)) yield return delta;
        await worker;
    }

    internal int CheckRequests(IReadOnlyList<GenerationRequest> requests, GenerationOptions options)
    {
        if (requests.Count == 0) throw new R1SharpException("generation needs at least one prompt");
        int context = options.ContextLength ?? ModelContextLength;
        if (context > ModelContextLength)
            throw new R1SharpException($"ctx {context} exceeds the model's max_position_embeddings {ModelContextLength} (config.json); use --ctx {ModelContextLength} or less");
        int vocab = Model.Config.VocabSize;
        for (int i = 0; i < requests.Count; i++)
        {
            var ids = requests[i].PromptIds;
            if (ids.Count == 0) throw new R1SharpException($"prompt {i} is empty; generation needs at least one prompt token");
            if (ids.Count >= context)
                throw new R1SharpException($"prompt {i} has {ids.Count} tokens but the context is {context}; shorten the prompt or raise --ctx (model max {ModelContextLength})");
            foreach (int id in ids)
                if ((uint)id >= (uint)vocab) throw new R1SharpException($"prompt {i} holds token id {id} outside the vocabulary 0..{vocab - 1}");
            if (requests[i].AnswerPrefix is { Count: > 0 } prefix)
            {
                if (prefix.Any(id => (uint)id >= (uint)vocab)) throw new R1SharpException($"prompt {i}: an answer-prefix id is outside the vocabulary 0..{vocab - 1}");
                if (requests[i].StartsInThinking && Tokenizer.TokenToId("</think>") is null)
                    throw new R1SharpException($"prompt {i}: an answer prefix after thinking needs a tokenizer with a single \"</think>\" token");
            }
            requests[i].Sampler?.Validate();
            if (requests[i].MaxNewTokens < 1) throw new R1SharpException($"prompt {i}: max_tokens must be >= 1, got {requests[i].MaxNewTokens}");
        }
        return context;
    }

    private List<GeneratorSequence> CreateSequences(IReadOnlyList<GenerationRequest> requests, GenerationOptions options, int context) =>
        CreateSequences(requests, options, context, new SamplerWorkspace(Model.Config.VocabSize));

    /// <summary>The sequences of one call (prompt-major), sharing <paramref name="workspace"/> (one thread only).</summary>
    internal List<GeneratorSequence> CreateSequences(IReadOnlyList<GenerationRequest> requests, GenerationOptions options, int context,
        SamplerWorkspace workspace)
    {
        var rules = new SequenceRules
        {
            EosIds = [.. options.EosTokenIds ?? EosTokenIds],
            ContextLength = context,
            ThinkingBudget = options.ThinkingBudget,
            OpenThinkId = Tokenizer.TokenToId("<think>") ?? -1,
            CloseThinkId = Tokenizer.TokenToId("</think>") ?? -1,
            ForcedEndIds = [.. ForcedThinkingEnd],
        };
        if (options.ThinkingBudget is not null && rules.CloseThinkId < 0)
            throw new R1SharpException("think_budget needs a tokenizer with a single \"</think>\" token; this tokenizer has none");
        if (options.ResponseFormat is not null && rules.CloseThinkId < 0 && requests.Any(r => r.StartsInThinking))
            throw new R1SharpException("response_format needs a tokenizer with a single \"</think>\" token when the prompt opens thinking; this tokenizer has none");
        var trie = options.ResponseFormat is null ? null : Structured.TokenTrie.For(Tokenizer, Model.Config.VocabSize);
        int n = options.SamplesPerPrompt;
        var sequences = new List<GeneratorSequence>(requests.Count * n);
        for (int p = 0; p < requests.Count; p++)
        {
            var request = requests[p];
            for (int k = 0; k < n; k++)
            {
                int index = p * n + k;
                ulong? sampleSeed = request.Seed is { } own ? own + (ulong)k : options.Seed is { } seed ? seed + (ulong)index : null;
                var sampler = (request.Sampler ?? options.Sampler) with { Seed = sampleSeed };
                var constraint = trie is null ? null : new Structured.JsonConstraintSampler(options.ResponseFormat!, trie, rules.EosIds);
                var chain = SamplerChain.FromOptions(sampler, Model.Config.VocabSize, workspace, options.IgnoreEos ? rules.EosIds : null, constraint);
                if (TestLogitsProcessor is { } processor) chain = new SamplerChain([processor(), .. chain.Stages], Model.Config.VocabSize, workspace);
                sequences.Add(new GeneratorSequence(index, p, k, request, chain, options.IgnoreEos ? null : options.LoopGuard, Tokenizer, options.StopStrings,
                    request.MaxNewTokens ?? options.MaxNewTokens, rules) { Constraint = constraint, TopLogProbs = options.TopLogProbs });
            }
        }
        return sequences;
    }

    private static int[] ResolveEos(ModelConfig config, HfTokenizer tokenizer, GenerationConfig generation)
    {
        var ids = new List<int>();
        if (generation.EosTokenIds is { Count: > 0 } g) ids.AddRange(g);
        else ids.AddRange(config.EosTokenIds);
        if (tokenizer.EosId is int eos) ids.Add(eos);
        return [.. ids.Distinct()];
    }

    /// <summary>Frees the model when this generator loaded it.</summary>
    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}
