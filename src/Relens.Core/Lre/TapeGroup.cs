using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// Consecutive prompts <see cref="First"/>.. of a left-padded recording batch whose tapes are stacked into one, so that
/// their cotangents share one set of weight matmuls. All of them start their suffix at column <see cref="From"/>: under
/// left padding every prompt ends at the last column, so equal suffix lengths mean equal columns, and the group's
/// suffix rows are a plain slice [Count, T, …] of the batch. Tensors of a group's tapes carry the prompt as their
/// leading (or, for attention, second) dimension; a group's cotangents are [Count·B, t, d], prompt-major.
/// </summary>
internal sealed record TapeGroup(long First, long Count, long From)
{
    /// <summary>The suffix positions of the group's prompts in <paramref name="x"/> [P, N, …] (positions in dimension
    /// <paramref name="dim"/>): a view [Count, …, T, …].</summary>
    public Tensor Suffix(Tensor x, int dim = 1) => x.narrow(0, First, Count).narrow(dim, From, x.shape[dim] - From);

    /// <summary>The group's prompts of <paramref name="x"/> [P, …]: a view.</summary>
    public Tensor Prompts(Tensor x) => x.narrow(0, First, Count);

    /// <summary>Suffix length T in a batch of <paramref name="columns"/> columns.</summary>
    public long Tokens(long columns) => columns - From;

    /// <summary>
    /// Splits prompts with suffix columns <paramref name="from"/> into groups: runs of consecutive prompts with the
    /// same column, each run cut into near-equal groups of at most <paramref name="perGroup"/>(suffix column) prompts.
    /// Only the prompts and the options decide the groups — never the layers requested — so a resumed sweep
    /// (other layers pending) stacks the same prompts and gets the same bits.
    /// </summary>
    public static List<TapeGroup> Plan(long[] from, Func<long, int> perGroup)
    {
        var groups = new List<TapeGroup>();
        for (int start = 0; start < from.Length;)
        {
            int end = start;
            while (end < from.Length && from[end] == from[start]) end++;
            int run = end - start, max = Math.Max(1, perGroup(from[start]));
            int parts = (run + max - 1) / max;
            for (int i = 0, at = start; i < parts; i++)
            {
                int size = run / parts + (i < run % parts ? 1 : 0);
                groups.Add(new TapeGroup(at, size, from[start]));
                at += size;
            }
            start = end;
        }
        return groups;
    }
}
