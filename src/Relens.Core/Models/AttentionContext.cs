using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>
/// What every block needs besides the residual stream: positions (for learned or rotary position
/// encodings), the additive attention mask over cached + current keys, and the KV cache to read from
/// and optionally write to.
/// </summary>
public sealed class AttentionContext
{
    /// <summary>[B, T] absolute position of each current token.</summary>
    public required Tensor PositionIds { get; init; }

    /// <summary>[B, 1, T, P+T] additive mask (0 = attend, large negative = blocked): causal and padding.</summary>
    public required Tensor Mask { get; init; }

    /// <summary>Prefix keys/values to attend to (read-only), or null.</summary>
    public KvCache? Past { get; init; }

    /// <summary>Where to store the keys/values of prefix + current tokens, or null to store nothing.</summary>
    public KvCache? Present { get; init; }

    /// <summary>Called on each layer's masked scores [B, H, T, P+T] (softmax dtype) just before the softmax, returning
    /// the scores to use; null = none. Attention knockout (Tracing/) blocks edges by setting scores to the mask's minimum.</summary>
    public Func<int, Tensor, Tensor>? ScoreEdit { get; init; }
}
