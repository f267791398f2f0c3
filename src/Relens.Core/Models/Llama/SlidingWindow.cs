using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models.Llama;

/// <summary>
/// Mistral's sliding-window attention: the query in column i (of the cached + current columns) sees key
/// column j only if i − j &lt; window (window keys, itself included), on top of the causal and padding mask.
/// That is HF 4.35's mask (later versions, following flash-attention, let a query see one key more).
/// Columns, not positions, as HF's mask does; prompts no longer than the window skip this entirely.
/// </summary>
public static class SlidingWindow
{
    public static AttentionContext Apply(AttentionContext ctx, int window)
    {
        long t = ctx.Mask.shape[2], total = ctx.Mask.shape[3];
        if (total <= window) return ctx;
        using var scope = torch.NewDisposeScope();
        var query = torch.arange(total - t, total, dtype: ScalarType.Int64).unsqueeze(1);    // [T, 1] absolute columns
        var key = torch.arange(total, dtype: ScalarType.Int64).unsqueeze(0);                 // [1, P+T]
        var tooFar = (query - key >= window).unsqueeze(0).unsqueeze(0);                       // [1, 1, T, P+T]
        var mask = ctx.Mask.masked_fill(tooFar, torch.finfo(ctx.Mask.dtype).min);
        return new AttentionContext
        {
            PositionIds = ctx.PositionIds,
            Mask = mask.MoveToOuterDisposeScope(),
            Past = ctx.Past,
            Present = ctx.Present,
            ScoreEdit = ctx.ScoreEdit,
        };
    }
}
