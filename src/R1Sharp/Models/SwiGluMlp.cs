// The dense SwiGLU feed-forward block of Qwen2/Llama/DeepSeek: down(silu(gate(x)) * up(x)), HF names gate_proj,
// up_proj, down_proj; gate and up share one fused matrix for inference.
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>SwiGLU MLP: <c>down_proj(silu(gate_proj(x)) · up_proj(x))</c>; biases only with llama mlp_bias.</summary>
public sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
    /// <summary>Gate projection (intermediate, hidden).</summary>
    public Projection gate_proj;
    /// <summary>Up projection (intermediate, hidden).</summary>
    public Projection up_proj;
    /// <summary>Down projection (hidden, intermediate).</summary>
    public Projection down_proj;
    private readonly FusedProjection _gateUp;
    private readonly long _intermediate;

    /// <summary>The fused gate/up projection (decode kernels read its matrix).</summary>
    internal FusedProjection GateUp => _gateUp;
    /// <summary>The intermediate size.</summary>
    internal int Intermediate => (int)_intermediate;

    /// <summary>Creates the block with uninitialized weights.</summary>
    public SwiGluMlp(string name, long hiddenSize, long intermediateSize, ScalarType dtype, bool hasBias = false) : base(name)
    {
        _intermediate = intermediateSize;
        _gateUp = new FusedProjection(new[] { "gate_proj", "up_proj" }, hiddenSize,
            new[] { intermediateSize, intermediateSize }, hasBias, dtype);
        gate_proj = _gateUp.Parts[0];
        up_proj = _gateUp.Parts[1];
        down_proj = Projection.Create("down_proj", intermediateSize, hiddenSize, hasBias, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _gateUp.Dispose();
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gateUp = _gateUp.Forward(x);                               // (B, T, 2I)
        var gate = nn.functional.silu(gateUp.narrow(-1, 0, _intermediate));
        gate.mul_(gateUp.narrow(-1, _intermediate, _intermediate));
        return down_proj.forward(gate).MoveToOuterDisposeScope();
    }
}
