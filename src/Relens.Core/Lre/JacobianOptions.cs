namespace Relens.Lre;

/// <summary>How Jacobians are computed: the suffix is replicated along the batch dimension, one one-hot
/// output direction per replica, in chunks sized to a memory budget.</summary>
public sealed record JacobianOptions
{
    /// <summary>Activation memory one chunk may use (bytes). Larger chunks run closer to the matmul rate.</summary>
    public long MemoryBudgetBytes { get; init; } = 1L << 30;

    /// <summary>Fixed rows per chunk, overriding the budget (tests use it to force several chunks).</summary>
    public int? ChunkSize { get; init; }

    public static JacobianOptions Default { get; } = new();
}
