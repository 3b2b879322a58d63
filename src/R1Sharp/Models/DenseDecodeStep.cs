// The one-token decode step of a dense (Qwen2/Llama) model in managed kernels (src/R1Sharp/Tensors/Kernels): the same
// math as DecoderModel.Forward for T = 1 — embedding, per layer RMSNorm → fused qkv → RoPE → cache write → attention →
// o_proj → residual → RMSNorm → fused gate/up → SiLU·up → down → residual, final norm, head — with no TorchSharp op
// per step, so a step costs the weight reads and not ~600 op dispatches (the README's profile shows both).
using R1Sharp.Diagnostics;
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>
/// Decode steps of a dense model on the CPU, fp32 or bf16 weights (fp32 activations and logits; a bf16 model's cache
/// holds bf16 as the TorchSharp path's does). Reads the model's tensors at every step, so in-place training updates
/// are seen; a model whose fused matrices were replaced, or another layout, makes <see cref="TryCreate"/> return null.
/// </summary>
public sealed unsafe partial class DenseDecodeStep
{
    /// <summary>Environment variable: <c>torch</c> turns the managed step off (every step runs TorchSharp ops).</summary>
    public const string KernelsVariable = "R1_DECODE_KERNELS";

    /// <summary>Rows above which a step goes back to TorchSharp: at 64 rows the kernels still lead (125 vs 82 tok/s on
    /// the 0.5B shape, `bench sidebyside`), but their inner loop is a matvec per row, so a GEMM wins somewhere above.</summary>
    public const int MaxRows = 64;

    private readonly DecoderModel _model;
    private readonly WeightFormat _format;
    private readonly int _hidden, _heads, _kvHeads, _headDim, _intermediate, _vocab, _qkvWidth;
    private readonly float _eps, _scale;
    private readonly Lock _gate = new();
    private object?[] _tensors = [];
    private int _rows;
    private float[] _x = [], _norm = [], _qkv = [], _attn = [], _tmp = [], _gateUp = [], _act = [], _cos = [], _sin = [], _bias = [];

    private DenseDecodeStep(DecoderModel model, WeightFormat format)
    {
        _model = model;
        _format = format;
        var c = model.Config;
        (_hidden, _vocab) = (c.HiddenSize, c.VocabSize);
        var first = (DenseDecoderLayer)model.model.layers[0];
        (_heads, _kvHeads, _headDim) = first.self_attn.Shape;
        _intermediate = first.mlp.Intermediate;
        _qkvWidth = (_heads + 2 * _kvHeads) * _headDim;
        _eps = (float)first.input_layernorm.Eps;
        _scale = 1f / MathF.Sqrt(_headDim);
    }

    /// <summary>
    /// The managed step for <paramref name="model"/>, or null when it does not apply: not every layer dense, weights
    /// neither fp32 nor bf16 or not on the CPU, no 512-bit SIMD, or <c>R1_DECODE_KERNELS=torch</c>.
    /// </summary>
    public static DenseDecodeStep? TryCreate(DecoderModel model)
    {
        if (!MatMul.IsAccelerated || Environment.GetEnvironmentVariable(KernelsVariable) == "torch") return null;
        WeightFormat? format = model.DType switch { ScalarType.Float32 => WeightFormat.F32, ScalarType.BFloat16 => WeightFormat.Bf16, _ => null };
        if (format is null || model.model.embed_tokens.weight.device_type != DeviceType.CPU) return null;
        if (model.model.layers.Count == 0 || !model.model.layers.All(l => l is DenseDecoderLayer)) return null;
        var step = new DenseDecodeStep(model, format.Value);
        return step.Readable() ? step : null;
    }

    /// <summary>
    /// Feeds <paramref name="ids"/>[b] at position <paramref name="positions"/>[b] for every cache row b (one new slot
    /// each, as <see cref="DecoderModel.Forward"/> with T = 1) and writes (B, V) fp32 logits to
    /// <paramref name="logits"/>. Returns false, touching nothing, when this step cannot run it (too many rows, a cache
    /// of another dtype, or weights that are no longer readable); the caller then runs the TorchSharp forward.
    /// </summary>
    public bool TryStep(ReadOnlySpan<long> ids, ReadOnlySpan<long> positions, KvCache cache, Span<float> logits)
    {
        int b = ids.Length;
        if (b == 0 || b > MaxRows || b != cache.BatchSize || positions.Length != b || cache.DType != _model.DType
            || logits.Length < (long)b * _vocab) return false;
        foreach (var id in ids)
            if (id < 0 || id >= _vocab) throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} outside 0..{_vocab - 1}");
        // The scratch rows belong to one step at a time; a second thread decoding with the same model meanwhile
        // (two Generate calls on one TextGenerator) takes the TorchSharp forward instead of waiting.
        if (!_gate.TryEnter()) return false;
        try
        {
            if (!Unchanged()) return false;
            Run(ids, positions, cache, logits);
            return true;
        }
        finally { _gate.Exit(); }
    }

    private void Run(ReadOnlySpan<long> ids, ReadOnlySpan<long> positions, KvCache cache, Span<float> logits)
    {
        long start = cache.Reserve(1, null);
        Forward(ids, positions, cache, new Placement(null, null, (int)start + 1), null, logits);
        cache.Commit(1);
    }

    // Where fed token b goes: cache row Rows[b] (null: row b), attending that row's first Lengths[b] slots (null: Length
    // for every token) and writing its key and value into the last of them.
    private readonly record struct Placement(int[]? Rows, int[]? Lengths, int Length);

    // Every fed token through the layers; then logits (V floats each) for the tokens in `logitRows` (null: all; empty:
    // none).
    private void Forward(ReadOnlySpan<long> ids, ReadOnlySpan<long> positions, KvCache cache, Placement place, int[]? logitRows, Span<float> logits)
    {
        Allocate(ids.Length);
        fixed (float* x = _x, logitsPtr = logits)
        {
            Embed(ids, x);
            Tables(positions);
            for (int layer = 0; layer < _model.model.layers.Count; layer++)
                Layer((DenseDecoderLayer)_model.model.layers[layer], layer, cache, place, x);
            if (logitRows is { Length: 0 }) return;
            using (PhaseProfiler.Enter(DecodePhase.LmHead))
            fixed (float* n = _norm)
            {
                int rows = _rows;
                if (logitRows is not null)
                {
                    for (int i = 0; i < logitRows.Length; i++)
                        new Span<float>(x + (long)logitRows[i] * _hidden, _hidden).CopyTo(new Span<float>(x + (long)i * _hidden, _hidden));
                    rows = logitRows.Length;
                }
                Norm(_model.model.norm.weight, x, n, rows);
                Project((object?)_model.QuantizedHead ?? _model.lm_head?.weight ?? _model.model.embed_tokens.weight, null, n, _hidden, logitsPtr, _vocab, rows);
            }
        }
    }

    private void Layer(DenseDecoderLayer l, int index, KvCache cache, Placement place, float* x)
    {
        var attention = l.self_attn;
        fixed (float* n = _norm, qkv = _qkv, attn = _attn, tmp = _tmp, gateUp = _gateUp, act = _act, cos = _cos, sin = _sin)
        {
            using (PhaseProfiler.Enter(DecodePhase.Attention))
            {
                Norm(l.input_layernorm.weight, x, n);
                Project(Weight(attention.Qkv), attention.Qkv.FusedBias, n, _hidden, qkv, _qkvWidth);
                AddAdapters(attention.Qkv.Parts, n, _hidden, qkv, _qkvWidth);
                using (PhaseProfiler.Enter(DecodePhase.NormRope))
                    EachRow(RowOp.Rope, _rows, _qkvWidth, (nint)qkv, (nint)cos, (nint)sin);
                var keys = cache.KeysOf(index);
                var values = cache.ValuesOf(index);
                var valid = cache.Valid;
                var shared = cache.SharedOf(index);
                fixed (int* rowPrompt = shared?.RowPrompt)
                {
                    var prompts = shared is { } p ? new DecodeOps.PromptView(TensorMemory.Pointer(p.Keys), TensorMemory.Pointer(p.Values),
                        p.Valid is null ? null : (bool*)TensorMemory.Pointer(p.Valid), (int)p.Capacity, (int)p.Length, rowPrompt) : default;
                    var view = new DecodeOps.CacheView(TensorMemory.Pointer(keys), TensorMemory.Pointer(values), _format,
                        cache.HasPadding ? (bool*)TensorMemory.Pointer(valid) : null, _kvHeads, (int)cache.Capacity, _headDim, _headDim, prompts);
                    fixed (int* rows = place.Rows, lengths = place.Lengths)
                    {
                        WriteCache(view, qkv, rows, lengths, place.Length - 1);
                        DecodeOps.Attention(qkv, _qkvWidth, view, _rows, _heads, place.Length, _scale, attn, _heads * _headDim, rows: rows, lengths: lengths);
                    }
                }
                GC.KeepAlive(keys);
                GC.KeepAlive(values);
                GC.KeepAlive(valid);
                GC.KeepAlive(cache);
                Project(Weight(attention.o_proj), attention.o_proj.bias, attn, _heads * _headDim, tmp, _hidden);
                AddAdapters([attention.o_proj], attn, _heads * _headDim, tmp, _hidden);
                AddRows(x, tmp);
            }
            Norm(l.post_attention_layernorm.weight, x, n);
            Project(Weight(l.mlp.GateUp), l.mlp.GateUp.FusedBias, n, _hidden, gateUp, 2 * _intermediate);
            AddAdapters(l.mlp.GateUp.Parts, n, _hidden, gateUp, 2 * _intermediate);
            EachRow(RowOp.SiluMul, _rows, _intermediate, (nint)gateUp, (nint)act, 0);
            Project(Weight(l.mlp.down_proj), l.mlp.down_proj.bias, act, _intermediate, tmp, _hidden);
            AddAdapters([l.mlp.down_proj], act, _intermediate, tmp, _hidden);
            AddRows(x, tmp);
        }
    }

    // Each fed token's new key and value (after RoPE) into its slot (the last it attends; `start` for all when
    // `lengths` is null) of its cache row (row r when `rows` is null).
    private void WriteCache(DecodeOps.CacheView view, float* qkv, int* rows, int* lengths, int start)
    {
        int size = _format == WeightFormat.F32 ? 4 : 2;
        for (int r = 0; r < _rows; r++)
            for (int h = 0; h < _kvHeads; h++)
            {
                int row = rows == null ? r : rows[r], at = lengths == null ? start : lengths[r] - 1;
                long slot = (((long)row * _kvHeads + h) * view.Capacity + at) * _headDim * size;
                float* k = qkv + (long)r * _qkvWidth + (long)(_heads + h) * _headDim;
                DecodeOps.FromSingle(k, _headDim, (byte*)view.Keys + slot, _format);
                DecodeOps.FromSingle(k + (long)_kvHeads * _headDim, _headDim, (byte*)view.Values + slot, _format);
            }
    }

    private void Norm(Tensor weight, float* x, float* y, int rows = -1)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.NormRope);
        EachRow(RowOp.Norm, rows < 0 ? _rows : rows, _hidden, (nint)TensorMemory.Pointer(weight), (nint)x, (nint)y);
        GC.KeepAlive(weight);
    }

    // x += y over the step's rows (the residual add).
    private void AddRows(float* x, float* y) => EachRow(RowOp.Add, _rows, _hidden, (nint)x, (nint)y, 0);

    // y = x·Wᵀ + b for a weight tensor of the model dtype or an int8/int4 QuantizedMatrix.
    private void Project(object weight, Tensor? bias, float* x, int xStride, float* y, int yStride, int rows = -1)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.Matvec);
        if (rows < 0) rows = _rows;
        if (TorchProject(weight, bias, x, xStride, y, yStride, rows))
        {
            GC.KeepAlive(weight);
            GC.KeepAlive(bias);
            return;
        }
        float* b = Bias(bias);
        if (weight is QuantizedMatrix q) MatMul.Run(q, b, x, xStride, y, yStride, rows);
        else
        {
            var t = (Tensor)weight;
            MatMul.Run(new WeightMatrix(TensorMemory.Pointer(t), _format, (int)t.shape[0], (int)t.shape[1], b), x, xStride, y, yStride, rows);
        }
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
    }

    // A bf16 model's bias is widened into a scratch row (biases are small; the array is pinned); an fp32 bias is read
    // in place.
    private float* Bias(Tensor? bias)
    {
        if (bias is null) return null;
        if (_format == WeightFormat.F32) return (float*)TensorMemory.Pointer(bias);
        int n = (int)bias.shape[0];
        if (_bias.Length < n) _bias = GC.AllocateUninitializedArray<float>(n, pinned: true);
        fixed (float* scratch = _bias)
        {
            DecodeOps.ToSingle(TensorMemory.Pointer(bias), _format, n, scratch);
            return scratch;
        }
    }
}
