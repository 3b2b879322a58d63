// Creating TorchSharp Parameters without leaving the emptied source Tensor object to the finalizer.
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Tensors;

/// <summary>Parameter construction.</summary>
public static class Parameters
{
    /// <summary>
    /// <c>new Parameter(data, requiresGrad)</c>, which moves <paramref name="data"/>'s native tensor into the Parameter and
    /// leaves <paramref name="data"/> an empty wrapper; that wrapper is disposed here, so it never reaches the finalizer
    /// (keeping "no Tensor finalized" a usable check for leaked temporaries, see tests/GcStress).
    /// </summary>
    public static Parameter Adopt(Tensor data, bool requiresGrad = true)
    {
        var parameter = new Parameter(data, requiresGrad);
        data.Dispose();
        return parameter;
    }
}
