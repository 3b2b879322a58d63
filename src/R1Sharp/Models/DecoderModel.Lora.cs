// The LoRA adapters attached to a model (Models/Lora): null for a plain model.
using R1Sharp.Models.Lora;

namespace R1Sharp.Models;

public sealed partial class DecoderModel
{
    /// <summary>The attached LoRA adapters (<see cref="LoraAttach.Attach"/>, <see cref="LoraAdapters.Load"/>), or null.
    /// While set, the base is frozen and generation runs the TorchSharp forward, which adds the adapters.</summary>
    public LoraAdapters? Adapters { get; internal set; }
}
