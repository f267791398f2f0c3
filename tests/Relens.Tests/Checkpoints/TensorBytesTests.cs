using Relens.Checkpoints;
using static TorchSharp.torch;

namespace Relens.Tests.Checkpoints;

/// <summary>The chunked memory access behind reads and writes; real tensors only exceed a chunk above 1 GiB.</summary>
public class TensorBytesTests
{
    [Theory]
    [InlineData(12)] // 3 floats a chunk, last chunk short
    [InlineData(3)]  // smaller than one element: one element a chunk
    [InlineData(1 << 20)]
    public void ChunksCoverTheTensorInOrder(int chunkBytes)
    {
        using var scope = NewDisposeScope();
        var t = arange(10, dtype: ScalarType.Float32);
        var seen = new List<byte>();
        TensorBytes.ForEachChunk(t, (chunk, offset) =>
        {
            Assert.Equal(seen.Count, offset);
            Assert.True(chunk.Length <= Math.Max(chunkBytes, 4));
            seen.AddRange(chunk.ToArray());
        }, chunkBytes);
        Assert.Equal(t.bytes.ToArray(), seen.ToArray());
    }

    [Fact]
    public void ChunksWriteIntoTheTensor()
    {
        using var scope = NewDisposeScope();
        var t = zeros(5, dtype: ScalarType.Int16);
        TensorBytes.ForEachChunk(t, (chunk, offset) => { for (int i = 0; i < chunk.Length; i += 2) chunk[i] = (byte)(offset + i); }, chunkBytes: 4);
        Assert.Equal(new short[] { 0, 2, 4, 6, 8 }, t.data<short>().ToArray());
    }
}
