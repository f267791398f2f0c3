using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models.Hooks;

/// <summary>
/// Ready-made hook functions: replace or add at one position per batch row. They build a new tensor
/// (clone + index_put) instead of writing in place, so autograd flows through a replacement that
/// requires grad (the LRE's Jacobian needs exactly that).
/// </summary>
public static class HookEdits
{
    /// <summary>Replaces activation[b, positions[b], :] with values[b] ([B, d] or [d] for every row).</summary>
    public static Func<Tensor, Tensor> ReplaceAt(IReadOnlyList<long> positions, Tensor values) =>
        act => Edit(act, positions, values, add: false);

    /// <summary>Adds delta[b] ([B, d] or [d]) to activation[b, positions[b], :].</summary>
    public static Func<Tensor, Tensor> AddAt(IReadOnlyList<long> positions, Tensor delta) =>
        act => Edit(act, positions, delta, add: true);

    /// <summary>Adds <paramref name="delta"/> ([d]) at every position of every row.</summary>
    public static Func<Tensor, Tensor> AddEverywhere(Tensor delta) => act => act + delta.to(act.dtype);

    private static Tensor Edit(Tensor act, IReadOnlyList<long> positions, Tensor values, bool add)
    {
        long batch = act.shape[0];
        if (positions.Count != batch)
            throw new ArgumentException($"hook edit has {positions.Count} positions for a batch of {batch}");
        var rows = torch.arange(batch, dtype: ScalarType.Int64);
        var cols = torch.tensor(positions.ToArray(), dtype: ScalarType.Int64);
        var v = values.to(act.dtype);
        if (v.dim() == 1) v = v.unsqueeze(0).expand(batch, v.shape[0]);
        var result = act.clone();
        result.index_put_(add ? act.index(rows, cols) + v : v, rows, cols);
        return result;
    }
}
