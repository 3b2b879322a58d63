// Linear projections with HF parameter names (weight [out, in], optional bias) and fused projections whose
// parameters are views of one concatenated matrix, so inference does one matmul (DESIGN.md "Performance facts").
using R1Sharp.Diagnostics;
using R1Sharp.Models.Lora;
using R1Sharp.Tensors;
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace R1Sharp.Models;

/// <summary>
/// <c>y = x·Wᵀ + b</c> with parameters named <c>weight</c> and <c>bias</c> (state-dict keys equal HF's).
/// Parameters are created uninitialized (or as views given by a <see cref="FusedProjection"/>); call
/// <see cref="DecoderModel.InitializeWeights"/> for a random model.
/// </summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    /// <summary>The weight, shape (out, in).</summary>
    public Parameter weight;
    /// <summary>The bias, shape (out), or null.</summary>
    public Parameter? bias;

    /// <summary>Wraps existing storage (no copy): the parameters share memory with <paramref name="weightData"/>.</summary>
    public Projection(string name, Tensor weightData, Tensor? biasData) : base(name)
    {
        weight = Parameters.Adopt(weightData);
        register_parameter(nameof(weight), weight);
        if (biasData is not null)
        {
            bias = Parameters.Adopt(biasData);
            register_parameter(nameof(bias), bias);
        }
    }

    /// <summary>A projection with fresh uninitialized storage.</summary>
    public static Projection Create(string name, long inFeatures, long outFeatures, bool hasBias, ScalarType dtype) =>
        new(name, empty(outFeatures, inFeatures, dtype), hasBias ? empty(outFeatures, dtype: dtype) : null);

    private QuantizedMatrix? _quantized;

    /// <summary>The int8/int4 weights once <see cref="Quantize"/> ran (the <see cref="weight"/> parameter then keeps its
    /// shape but no storage), else null. Readers that bypass <see cref="forward"/> (the decode kernels) add
    /// <see cref="Adapter"/> themselves.</summary>
    internal QuantizedMatrix? Quantized => _quantized;

    /// <summary>The LoRA adapter added to this projection's output (<see cref="LoraAttach"/>), or null.</summary>
    internal LoraAdapter? Adapter { get; set; }

    /// <summary>True when the base weights are int8/int4 blocks.</summary>
    internal bool IsQuantized => _quantized is not null;

    /// <summary>Replaces the weight by its quantized form and frees the original storage (inference only); false, and
    /// nothing changed, when the input size is not a multiple of the block size.</summary>
    internal bool Quantize(QuantFormat format)
    {
        if (_quantized is not null) return true;
        if (weight.shape[1] % QuantizedMatrix.BlockSize != 0) return false;
        _quantized = QuantizedWeights.FromTensor(weight, format);
        QuantizedWeights.Release(weight);
        return true;
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.Matvec);
        var y = _quantized is { } q ? QuantizedFrozenLinear.Forward(x, q, bias) : nn.functional.linear(x, weight, bias);
        return Adapter is { Enabled: true } a ? LoraAttach.AddDelta(y, a.Delta(x, training)) : y;
    }

    /// <summary>The weight as the forward applies it, W + s·B·A with an adapter (differentiable in A and B; no dropout),
    /// for callers that use the matrix itself (MLA's absorbed kv_b_proj).</summary>
    internal Tensor EffectiveWeight()
    {
        if (Adapter is not { Enabled: true } a) return weight;
        using var delta = a.B.matmul(a.A);
        using var scaled = delta.Times(a.Scaling);
        using var cast = scaled.to_type(weight.dtype);
        return weight.Plus(cast);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) { _quantized?.Dispose(); Adapter?.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Several projections of the same input (q/k/v, or gate/up) stored as row blocks of one matrix. Each
/// <see cref="Projection"/> keeps its HF name and owns a view of the shared storage, so loading, optimizers and
/// state dicts see the separate tensors while inference runs a single matmul. Training (grad enabled) or a
/// module whose parameters were replaced (e.g. by <c>Module.to(dtype)</c>) falls back to separate matmuls.
/// The owning module disposes it (the fused matrix is no parameter, so Module.Dispose does not).
/// </summary>
public sealed class FusedProjection : IDisposable
{
    private readonly Tensor _weight;
    private readonly Tensor? _bias;
    private readonly Projection[] _parts;
    private readonly Parameter[] _originalWeights;

    /// <summary>The projections, in the order of <c>outFeatures</c> given at construction.</summary>
    public IReadOnlyList<Projection> Parts => _parts;

    /// <summary>Allocates one (Σout, in) matrix (and bias) and carves the named projections out of it.</summary>
    public FusedProjection(string[] names, long inFeatures, long[] outFeatures, bool hasBias, ScalarType dtype)
    {
        long total = outFeatures.Sum();
        _weight = empty(total, inFeatures, dtype);
        _bias = hasBias ? empty(total, dtype: dtype) : null;
        _parts = new Projection[names.Length];
        long offset = 0;
        for (int i = 0; i < names.Length; i++)
        {
            _parts[i] = new Projection(names[i], _weight.narrow(0, offset, outFeatures[i]),
                _bias?.narrow(0, offset, outFeatures[i]));
            offset += outFeatures[i];
        }
        _originalWeights = _parts.Select(p => p.weight).ToArray();
    }

    /// <summary>The fused (Σout, in) matrix while it still backs every part, else null (decode kernels read it and add
    /// the parts' adapters themselves).</summary>
    internal Tensor? FusedWeight => _quantized is null && Intact() ? _weight : null;

    private QuantizedMatrix? _quantized;

    /// <summary>The fused matrix in int8/int4 once <see cref="Quantize"/> ran, else null.</summary>
    internal QuantizedMatrix? Quantized => _quantized;

    /// <summary>Quantizes the fused matrix and frees its storage and the parts' views (inference only); false, and
    /// nothing changed, when the input size is not a multiple of the block size.</summary>
    internal bool Quantize(QuantFormat format)
    {
        if (_quantized is not null) return true;
        if (_weight.shape[1] % QuantizedMatrix.BlockSize != 0) return false;
        if (!Intact()) throw new InvalidOperationException("the fused matrix no longer backs its parts; quantize before replacing parameters");
        _quantized = QuantizedWeights.FromTensor(_weight, format);
        foreach (var part in _parts) QuantizedWeights.Release(part.weight);
        QuantizedWeights.Release(_weight);
        return true;
    }
    /// <summary>The fused bias, or null.</summary>
    internal Tensor? FusedBias => _bias;

    /// <summary>True when the fused storage still backs every part (nobody replaced a parameter).</summary>
    private bool Intact()
    {
        for (int i = 0; i < _parts.Length; i++)
            if (!ReferenceEquals(_parts[i].weight, _originalWeights[i])) return false;
        return true;
    }

    /// <summary>Frees the fused matrix and bias (the parts' parameters are the module's to dispose).</summary>
    public void Dispose()
    {
        _quantized?.Dispose();
        _weight.Dispose();
        _bias?.Dispose();
    }

    /// <summary>All projections of <paramref name="x"/> concatenated along the last dimension.</summary>
    public Tensor Forward(Tensor x)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.Matvec);
        Tensor y;
        if (_quantized is { } q) y = QuantizedFrozenLinear.Forward(x, q, _bias);
        else if ((!is_grad_enabled() || _parts.All(p => !p.weight.requires_grad)) && Intact())
            y = nn.functional.linear(x, _weight, _bias);   // no gradient into the matrix: one matmul
        else
        {
            using var scope = NewDisposeScope();
            var outputs = _parts.Select(p => p.forward(x)).ToArray();   // each part adds its own adapter
            return cat(outputs, -1).MoveToOuterDisposeScope();
        }
        return _parts.Any(p => p.Adapter is { Enabled: true }) ? LoraAttach.AddDelta(y, LoraAttach.FusedDelta(_parts, x)) : y;
    }
}
