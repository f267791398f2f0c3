using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>Which positions the logits are computed for (the unembedding is the costliest matmul for small models).</summary>
public enum LogitsAt { All, Last, None }

/// <summary>One forward pass's inputs. Only <see cref="InputIds"/> is required.</summary>
public sealed class ForwardInput
{
    /// <summary>[B, T] int64 token ids (left-padded batches: pad ids are arbitrary, the mask hides them).</summary>
    public required Tensor InputIds { get; init; }

    /// <summary>[B, P+T] 1 = real token, 0 = padding, covering the cached prefix and the new tokens; null = no padding.</summary>
    public Tensor? PaddingMask { get; init; }

    /// <summary>[B, T] explicit positions; null derives them from the mask (see <see cref="AttentionMasks.PositionIds"/>).</summary>
    public Tensor? PositionIds { get; init; }

    /// <summary>A processed prefix to continue from.</summary>
    public KvCache? Past { get; init; }

    /// <summary>Return a cache of prefix + these tokens (for prefix caching).</summary>
    public bool ReturnCache { get; init; }

    public LogitsAt Logits { get; init; } = LogitsAt.All;

    /// <summary>Edits every layer's attention scores before the softmax (see <see cref="AttentionContext.ScoreEdit"/>); null = none.</summary>
    public Func<int, Tensor, Tensor>? ScoreEdit { get; init; }
}

/// <summary>A forward pass's outputs; tensors belong to the caller's dispose scope, the cache to the caller.</summary>
public sealed class ForwardOutput
{
    /// <summary>[B, T, V] (LogitsAt.All), [B, V] (LogitsAt.Last) or null.</summary>
    public Tensor? Logits { get; init; }

    /// <summary>[B, T, d] output of the last block BEFORE the final norm (the LRE's z stream).</summary>
    public required Tensor LastBlockOutput { get; init; }

    public KvCache? Cache { get; init; }
}
