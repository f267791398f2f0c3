namespace Relens.World;

/// <summary>
/// Derives independent, process-stable seeds from a base seed and stream numbers. (HashCode.Combine
/// would be simpler but is randomised per process, which would break "same seed, same corpus".)
/// </summary>
public static class Seeds
{
    public static int Derive(int seed, params long[] stream)
    {
        ulong x = (ulong)(uint)seed;
        foreach (long s in stream) x = Mix(x ^ Mix((ulong)s + 0x9E3779B97F4A7C15UL));
        return (int)(x & 0x7FFFFFFF);
    }

    public static Random Rng(int seed, params long[] stream) => new(Derive(seed, stream));

    // splitmix64 finaliser
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public static void Shuffle<T>(IList<T> list, Random rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
