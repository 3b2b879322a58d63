// The causal-LM decoder (HF *ForCausalLM): model.embed_tokens → model.layers → model.norm → lm_head, with
// per-sequence positions, padding masks and an optional KV cache. Parameter names equal HF state-dict keys.
using R1Sharp.Diagnostics;
using R1Sharp.Formats.Config;
using R1Sharp.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Token embedding with the HF parameter name <c>weight</c> (vocab, hidden).</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    /// <summary>The embedding matrix (vocab, hidden).</summary>
    public Parameter weight;

    /// <summary>Creates an uninitialized (vocab, hidden) matrix.</summary>
    public TokenEmbedding(string name, long vocab, long hidden, ScalarType dtype) : base(name)
    {
        weight = Parameters.Adopt(empty(vocab, hidden, dtype));
        register_parameter(nameof(weight), weight);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids)
    {
        using var flat = ids.reshape(-1);
        using var rows = weight.index_select(0, flat);
        return rows.reshape(ids.shape[0], ids.shape[1], weight.shape[1]);
    }
}

/// <summary>The <c>model.</c> part of a causal LM: embedding, layers and final norm.</summary>
public sealed class DecoderBackbone : nn.Module
{
    /// <summary>model.embed_tokens.</summary>
    public TokenEmbedding embed_tokens;
    /// <summary>model.layers.N.</summary>
    public ModuleList<DecoderLayer> layers;
    /// <summary>model.norm.</summary>
    public RmsNorm norm;

    internal DecoderBackbone(IDecoderArchitecture arch, ScalarType dtype) : base("model")
    {
        var c = arch.Config;
        embed_tokens = new TokenEmbedding(nameof(embed_tokens), c.VocabSize, c.HiddenSize, dtype);
        layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(i => arch.CreateLayer(i, dtype)).ToArray());
        norm = new RmsNorm(nameof(norm), c.HiddenSize, c.RmsNormEps, dtype);
        RegisterComponents();
    }
}

/// <summary>
/// A decoder-only causal LM of any registered architecture. Create with <see cref="DecoderModel(IDecoderArchitecture, ScalarType)"/>
/// (uninitialized; then <see cref="InitializeWeights"/>) or load with <c>DecoderModel.Load</c>.
/// </summary>
public sealed partial class DecoderModel : nn.Module
{
    /// <summary>Embedding, layers, final norm (keys <c>model.*</c>).</summary>
    public DecoderBackbone model;
    /// <summary>Output head (vocab, hidden); null when tied to the embedding.</summary>
    public Projection? lm_head;

    private readonly float[] _inverseFrequencies;

    /// <summary>RoPE inverse frequencies (head_dim / 2), scaling applied.</summary>
    internal float[] InverseFrequencies => _inverseFrequencies;

    /// <summary>The hyper-parameters.</summary>
    public ModelConfig Config => Architecture.Config;
    /// <summary>The architecture (sizes, cache layout).</summary>
    public IDecoderArchitecture Architecture { get; }
    /// <summary>Parameter dtype, also the activation dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>Allocates an uninitialized model.</summary>
    public DecoderModel(IDecoderArchitecture architecture, ScalarType dtype = ScalarType.Float32) : base("DecoderModel")
    {
        Architecture = architecture;
        DType = dtype;
        _inverseFrequencies = architecture.InverseFrequencies();
        model = new DecoderBackbone(architecture, dtype);
        if (!architecture.Config.TieWordEmbeddings)
            lm_head = Projection.Create(nameof(lm_head), architecture.Config.HiddenSize, architecture.Config.VocabSize, hasBias: false, dtype);
        RegisterComponents();
    }

    /// <summary>An uninitialized model for <paramref name="config"/> (see <see cref="InitializeWeights"/>).</summary>
    public DecoderModel(ModelConfig config, ScalarType dtype = ScalarType.Float32)
        : this(DecoderArchitectures.For(config), dtype) { }

    /// <summary>
    /// The DeepSeek-V3 Multi-Token Prediction layers when loaded with <see cref="ModelLoadOptions.LoadMtp"/> (or attached
    /// with <see cref="AttachMtp"/>); null otherwise. Kept out of this module's parameters (the forward does not use
    /// them); <see cref="Save"/> and <see cref="InitializeWeights"/> include them under their HF names.
    /// </summary>
    public DeepSeekV3.MtpModule? Mtp { get; private set; }

    /// <summary>
    /// Creates (uninitialized) and attaches the MTP layers of a deepseek_v3 model with num_nextn_predict_layers &gt; 0.
    /// With <paramref name="shareEmbeddingAndHead"/> they use this model's embedding and output head (the V3 report's
    /// shared modules; what training does) instead of their own copies.
    /// </summary>
    /// <exception cref="R1SharpException">Not a deepseek_v3 model, or its config has no MTP layers.</exception>
    public DeepSeekV3.MtpModule AttachMtp(bool shareEmbeddingAndHead = false)
    {
        if (Architecture is not DeepSeekV3.DeepSeekV3Architecture arch)
            throw new R1SharpException($"load option LoadMtp: model_type {Config.ModelType} has no Multi-Token Prediction layers; only deepseek_v3 does");
        Mtp?.Dispose();
        Mtp = null;
        var sharing = shareEmbeddingAndHead ? new DeepSeekV3.MtpSharing(model.embed_tokens.weight, lm_head?.weight ?? model.embed_tokens.weight) : null;
        Mtp = new DeepSeekV3.MtpModule((DeepSeekV3Config)arch.Config, arch.Path, DType, sharing);
        return Mtp;
    }

    /// <summary>Every parameter this model owns under its checkpoint name: the module's own, then the MTP layers' when
    /// attached (shared aliases left out). What loading fills, initialisation draws and optimizers update.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> CheckpointParameters() =>
        named_parameters().Select(p => (p.name, p.parameter)).Concat(Mtp?.OwnParameters() ?? []);

    /// <summary>What <see cref="Save"/> writes: <see cref="CheckpointParameters"/> plus the MTP names that alias shared tensors.</summary>
    internal IEnumerable<(string Name, Parameter Parameter)> SavedParameters() =>
        named_parameters().Select(p => (p.name, p.parameter)).Concat(Mtp?.HfParameters() ?? []);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) { Mtp?.Dispose(); _tiedHead?.Dispose(); }
        base.Dispose(disposing);
    }

    /// <summary>A cache sized for this model.</summary>
    public KvCache CreateCache(long batchSize, long capacity)
    {
        var layout = Architecture.Cache;
        return new KvCache(Architecture.Config.NumHiddenLayers, batchSize, capacity, layout.Heads, layout.KeyDim, layout.ValueDim,
            DType, model.embed_tokens.weight.device);
    }

    /// <summary>
    /// Logits (B, T, V) — or (B, 1, V) for the last column only when <paramref name="lastOnly"/> — for
    /// <paramref name="inputIds"/> (B, T) int64.
    /// </summary>
    /// <param name="inputIds">(B, T) token ids; padding ids may be anything in range.</param>
    /// <param name="positions">(B, T) int64 RoPE positions per sequence; null = Start + 0..T−1 for every row.</param>
    /// <param name="attentionMask">(B, T) 1 for real tokens, 0 for padding (left or right); null = all real.</param>
    /// <param name="cache">KV cache: the new tokens are appended after its filled slots; null = no history.</param>
    /// <param name="lastOnly">Compute the head only for the last column (prefill for generation).</param>
    /// <param name="packed">Rows hold several examples, each starting where <paramref name="positions"/> is 0: attention
    /// stays within each example (no cache; see <see cref="DecoderContext.BuildPackedMask"/>).</param>
    public Tensor Forward(Tensor inputIds, Tensor? positions = null, Tensor? attentionMask = null,
        KvCache? cache = null, bool lastOnly = false, bool packed = false)
    {
        using var scope = NewDisposeScope();
        long t = inputIds.shape[1];
        using var ctx = Context(inputIds, positions, attentionMask, cache, packed);
        var h = Trunk(inputIds, ctx);
        cache?.Commit(t);
        if (lastOnly) h = h.narrow(1, t - 1, 1);
        return Head(h).MoveToOuterDisposeScope();
    }

    // RoPE tables and the attention mask of one forward (reserving the cache slots first).
    private DecoderContext Context(Tensor inputIds, Tensor? positions, Tensor? attentionMask, KvCache? cache, bool packed = false)
    {
        if (packed)
        {
            if (cache is not null || positions is null) throw new ArgumentException("a packed forward needs positions and no cache");
            using var invFrequencies = tensor(_inverseFrequencies, device: positions.device);
            var (c, s) = Rope.CosSin(positions, invFrequencies, RopeDType);
            using var valid = attentionMask?.to_type(ScalarType.Bool);
            return new DecoderContext { Cos = c, Sin = s, Start = 0, QueryLength = inputIds.shape[1], Mask = DecoderContext.BuildPackedMask(positions, valid) };
        }
        long b = inputIds.shape[0], t = inputIds.shape[1];
        var device = model.embed_tokens.weight.device;
        cache?.Unshare(); // shared prompts are read by the decode kernels only
        long start = cache?.Reserve(t, attentionMask) ?? 0;
        positions ??= SafeOps.Range(start, t, device).unsqueeze(0).expand(b, t);
        using var invFreq = tensor(_inverseFrequencies, device: device);
        var (cos, sin) = Rope.CosSin(positions, invFreq, RopeDType);
        return MakeContext(cos, sin, start, t, attentionMask, cache);
    }

    // Embedding and decoder layers: the last layer's output (B, T, hidden), before the final norm.
    private Tensor Trunk(Tensor inputIds, DecoderContext ctx)
    {
        var h = CheckpointInput(model.embed_tokens.forward(inputIds), ctx, out bool checkpoint);
        foreach (var layer in model.layers)
        {
            var next = checkpoint && layer is DenseDecoderLayer ? CheckpointedLayer.Apply(layer, h, ctx) : layer.Forward(h, ctx);
            h.Dispose();
            h = next;
        }
        return h;
    }

    // Logits are float32 whatever the weights: bf16 weights run the head matmul in bf16 (fp32 accumulation inside the
    // kernel) and the output is widened, as HF does (logits.float()); samplers, log-softmax and perplexity see fp32.
    private Tensor Head(Tensor h)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.LmHead);
        var normed = model.norm.forward(h);
        var logits = QuantizedHead is { } q ? Lora.QuantizedFrozenLinear.Forward(normed, q, null)   // differentiable in h for QLoRA
            : nn.functional.linear(normed, lm_head?.weight ?? model.embed_tokens.weight);
        return IsReduced(logits.dtype) ? logits.to_type(ScalarType.Float32) : logits; // callers hold a dispose scope
    }

    // bf16/f16 models run RoPE and produce logits in fp32; fp32 and fp64 (gradient checks) models keep their own dtype.
    private static bool IsReduced(ScalarType t) => t is ScalarType.BFloat16 or ScalarType.Float16;
    private ScalarType RopeDType => IsReduced(DType) ? ScalarType.Float32 : DType;

    private static DecoderContext MakeContext(Tensor cos, Tensor sin, long start, long t, Tensor? attentionMask, KvCache? cache)
    {
        Tensor? mask = null;
        bool plain = false;
        if (cache is null)
        {
            if (attentionMask is null) plain = true;
            else mask = DecoderContext.BuildMask(attentionMask.to_type(ScalarType.Bool), 0, t);
        }
        else if (!cache.HasPadding && t == 1) { /* one new token that may see every filled slot */ }
        else if (!cache.HasPadding && start == 0) plain = true;
        else mask = DecoderContext.BuildMask(cache.Valid.narrow(1, 0, start + t), start, t);
        return new DecoderContext { Cos = cos, Sin = sin, Start = start, QueryLength = t, Cache = cache, Mask = mask, IsPlainCausal = plain };
    }

    /// <summary>
    /// HF-style random init: linear and embedding weights ~ N(0, std), biases 0, norm weights 1;
    /// std defaults to config initializer_range, and then MLA's down-projections (<c>q_a_proj</c>,
    /// <c>kv_a_proj_with_mqa</c>) are drawn at unit gain, N(0, 1/fan_in) (<see cref="UnitGainStd"/>); a given std
    /// applies to every weight.
    /// </summary>
    public void InitializeWeights(long seed, double? std = null)
    {
        Initialize(CheckpointParameters(), seed, std ?? Config.InitializerRange, unitGain: std is null);
    }

    /// <summary>Draws the attached MTP layers only (as <see cref="InitializeWeights"/>): a fresh MTP module on a trained model.</summary>
    public void InitializeMtpWeights(long seed, double? std = null)
    {
        if (Mtp is not null) Initialize(Mtp.OwnParameters(), seed, std ?? Config.InitializerRange, unitGain: std is null);
    }

    private static void Initialize(IEnumerable<(string Name, Parameter Parameter)> parameters, long seed, double sigma, bool unitGain)
    {
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var (name, p) in parameters)
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) p.FillInPlace(1.0);
            else if (name.EndsWith("e_score_correction_bias", StringComparison.Ordinal)) p.zero_().Dispose(); // MoE selection bias
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_().Dispose();   // zero_() returns a new Tensor object
            else p.normal_(0.0, (unitGain ? UnitGainStd(name, p) : null) ?? sigma, generator);
        }
    }

    /// <summary>
    /// 1/√fan_in for MLA's down-projections <c>q_a_proj</c> and <c>kv_a_proj_with_mqa</c>, else null. An RMSNorm follows
    /// each (the query latent; the key/value latent, all of kv_a's rows but the rope key's), so their scale hardly
    /// reaches the output and mostly sets how far each AdamW step turns them: at initializer_range 0.02 and learning
    /// rate 2e-3 a step is ~10 % of the weight, and the tiny deepseek_v3 base (hidden 64: output RMS 0.16) stayed at
    /// chance on every digit of the built-in task for 3,500 steps; drawn at unit gain (0.125 at hidden 64, output RMS 1)
    /// it leaves that plateau by step ~1,200–1,800 and 5,250 steps make the committed base (README "Why the tiny
    /// deepseek_v3 base did not learn"). The decoupled rope key shares kv_a's matrix and scale.
    /// </summary>
    public static double? UnitGainStd(string name, Tensor weight) =>
        name.EndsWith("self_attn.q_a_proj.weight", StringComparison.Ordinal) || name.EndsWith("self_attn.kv_a_proj_with_mqa.weight", StringComparison.Ordinal)
            ? 1.0 / Math.Sqrt(weight.shape[1]) : null;
}
