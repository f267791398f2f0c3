namespace Relens.Lre;

/// <summary>How the LRE's Jacobians are computed.</summary>
public enum JacobianMethod
{
    /// <summary>Linearized where the architecture has block tapes and no hook is active, else Replicated.</summary>
    Auto,
    /// <summary>One forward pass recording tapes (prompts batched), then hand-written VJPs for many cotangents at once (fast; the architectures JacobianBlocks lists).</summary>
    Linearized,
    /// <summary>Autograd through B replicas of the suffix (the reference: any architecture, hooks honoured).</summary>
    Replicated,
}

/// <summary>How Jacobians are computed: d one-hot output directions in chunks of rows sized to a memory budget.</summary>
public sealed record JacobianOptions
{
    /// <summary>Activation memory one chunk may use (bytes). Larger chunks run closer to the matmul rate.</summary>
    public long MemoryBudgetBytes { get; init; } = 1L << 30;

    /// <summary>Fixed rows per chunk, overriding the budget (tests use it to force several chunks).</summary>
    public int? ChunkSize { get; init; }

    public JacobianMethod Method { get; init; } = JacobianMethod.Auto;

    /// <summary>Linearized: prompts whose forward passes run together as one left-padded batch (the n training
    /// prompts of an LRE share one pass: batch-1 passes run far below the matmul rate).</summary>
    public int RecordBatchSize { get; init; } = 16;

    /// <summary>Linearized: prompts whose cotangents share one backward call (their rows stacked into one set of weight
    /// matmuls; prompts of a recording batch with equal suffix lengths). Null: as many as keep a call near
    /// <see cref="LinearizedJacobian.BatchedRows"/> cotangent rows and within the memory budget — several for small
    /// models (d = 256: 8), one from d = 513 on. 1: one prompt at a time.</summary>
    public int? PromptsPerCall { get; init; }

    public static JacobianOptions Default { get; } = new();
}
