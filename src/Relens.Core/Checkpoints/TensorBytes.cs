using TorchSharp;

namespace Relens.Checkpoints;

/// <summary>
/// Gives direct access to a CPU tensor's memory in spans of at most <see cref="ChunkBytes"/>, so file I/O
/// goes straight between the file and the tensor without an intermediate managed copy. Chunking is
/// needed because a span is int-indexed while one tensor of a large model can exceed 2 GiB.
/// </summary>
internal static class TensorBytes
{
    public const int ChunkBytes = 1 << 30;

    public delegate void ChunkAction(Span<byte> chunk, long byteOffset);

    /// <summary>Calls <paramref name="action"/> on consecutive pieces of a contiguous CPU tensor's bytes.</summary>
    public static void ForEachChunk(torch.Tensor contiguous, ChunkAction action, int chunkBytes = ChunkBytes)
    {
        if (contiguous.device_type != DeviceType.CPU || !contiguous.is_contiguous())
            throw new ArgumentException("tensor must be contiguous and on the CPU", nameof(contiguous));
        long count = contiguous.numel();
        if (count == 0) return;
        long elementSize = contiguous.ElementSize;
        long perChunk = Math.Max(1, chunkBytes / elementSize);

        using var scope = torch.NewDisposeScope();
        // A flat view shares the tensor's storage; narrowing it gives spans over consecutive pieces.
        var flat = contiguous.view(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            using var piece = flat.narrow(0, start, Math.Min(perChunk, count - start));
            action(piece.bytes, start * elementSize);
        }
    }
}
