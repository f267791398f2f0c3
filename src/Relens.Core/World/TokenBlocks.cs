namespace Relens.World;

/// <summary>
/// Packs one epoch's tokenised documents end to end and cuts the stream into blocks of
/// <c>blockSize + 1</c> tokens (input = first blockSize, target = last blockSize), overlapping by one
/// token so no prediction is lost between blocks. Documents start with their own end-of-text token, so
/// a block may hold several documents, as in GPT-2's own training; the last partial block is dropped.
/// </summary>
public sealed class TokenBlocks
{
    private readonly long[] _stream;
    public int BlockSize { get; }
    public int Count { get; }

    public TokenBlocks(IEnumerable<int[]> documents, int blockSize)
    {
        BlockSize = blockSize;
        _stream = documents.SelectMany(d => d).Select(i => (long)i).ToArray();
        Count = _stream.Length > blockSize ? (_stream.Length - 1) / blockSize : 0;
    }

    /// <summary>Block <paramref name="index"/>: blockSize + 1 token ids.</summary>
    public ReadOnlySpan<long> Block(int index) => _stream.AsSpan(index * BlockSize, BlockSize + 1);
}
