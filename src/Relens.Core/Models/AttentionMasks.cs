using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>Builds causal + padding masks and position ids for (left-)padded batches, as HF does.</summary>
public static class AttentionMasks
{
    /// <summary>
    /// Additive mask [B, 1, T, P+T] for T new tokens after P cached ones. <paramref name="paddingMask"/>
    /// is [B, P+T] (1 = real token) or null. Blocked entries get dtype's most negative finite value (HF's
    /// finfo.min), so a fully blocked row (a padding query) gives a finite uniform softmax, never NaN.
    /// </summary>
    public static Tensor Build(long batch, long newTokens, long pastTokens, Tensor? paddingMask, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        long total = pastTokens + newTokens;
        // query i sits at absolute index P+i and may see keys 0..P+i
        var q = torch.arange(newTokens, dtype: ScalarType.Int64).unsqueeze(1) + pastTokens;
        var k = torch.arange(total, dtype: ScalarType.Int64).unsqueeze(0);
        var allowed = (k <= q).unsqueeze(0).unsqueeze(0);                  // [1, 1, T, P+T]
        if (paddingMask is not null)
            allowed = allowed & paddingMask.to(ScalarType.Bool).view(batch, 1, 1, total);
        else
            allowed = allowed.expand(batch, 1, newTokens, total);
        var min = torch.tensor(MinValue(dtype), dtype: dtype);
        var zero = torch.tensor(0.0, dtype: dtype);
        return torch.where(allowed, zero, min).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Position ids [B, T] for the last T tokens: counted over real tokens only (cumsum(mask) − 1, with
    /// padding positions set to 1 as HF's generate does), so a left-padded prompt gets the same positions
    /// as when it runs alone. Without a mask: P, P+1, …
    /// </summary>
    public static Tensor PositionIds(long batch, long newTokens, long pastTokens, Tensor? paddingMask)
    {
        using var scope = torch.NewDisposeScope();
        if (paddingMask is null)
            return (torch.arange(pastTokens, pastTokens + newTokens, dtype: ScalarType.Int64)
                .unsqueeze(0).expand(batch, newTokens).contiguous()).MoveToOuterDisposeScope();
        var m = paddingMask.to(ScalarType.Int64);
        var pos = m.cumsum(1) - 1;
        pos = pos.masked_fill(m == 0, 1);
        return pos.narrow(1, pastTokens, newTokens).contiguous().MoveToOuterDisposeScope();
    }

    internal static double MinValue(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };
}
