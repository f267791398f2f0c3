namespace Relens.Relations;

/// <summary>
/// A small deterministic random generator (xoshiro256** seeded through SplitMix64) for splits,
/// edit targets and distractors. We use our own rather than <see cref="Random"/> so that a seed
/// gives the same draws on every .NET version and platform.
/// The same seed does NOT reproduce the paper's Python <c>random</c> draws: only the procedure
/// (what is shuffled, what is chosen from what) matches, not the particular shuffles.
/// </summary>
public sealed class SeededRng
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRng(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>An independent generator for sub-stream <paramref name="index"/> (e.g. a trial) of <paramref name="seed"/>.</summary>
    public static SeededRng ForStream(long seed, long index)
    {
        ulong x = unchecked((ulong)seed ^ ((ulong)index * 0xD1B54A32D192ED03UL));
        return new SeededRng(unchecked((long)SplitMix(ref x)));
    }

    public ulong NextUInt64()
    {
        ulong result = RotL(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotL(_s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong bound = (ulong)maxExclusive;
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound; // reject the incomplete last block
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (int)(r % bound);
    }

    /// <summary>In-place Fisher–Yates shuffle, walking from the end as Python's <c>random.shuffle</c> does.</summary>
    public void Shuffle<T>(IList<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>A uniformly chosen element (Python's <c>random.choice</c>).</summary>
    public T Choice<T>(IReadOnlyList<T> items)
    {
        if (items.Count == 0) throw new ArgumentException("cannot choose from an empty list", nameof(items));
        return items[NextInt(items.Count)];
    }

    private static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
