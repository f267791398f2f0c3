using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Quantization;

/// <summary>
/// llama.cpp's Q4_0 (ggml-quants.c quantize_row_q4_0_ref / dequantize_row_q4_0), float32 arithmetic as there:
/// m = the group's element of largest magnitude with its sign (the first one on a tie), d = m/−8, id = 1/d
/// (0 for an all-zero group), q = min(15, (int8)(x·id + 8.5)) and d stored as float16; x̂ = (q − 8)·d. Byte j of a
/// group holds element j in its low nibble and element j + 16 in its high nibble, as block_q4_0.qs does.
/// </summary>
internal static class Q4_0
{
    /// <param name="x">[rows, groups, 32] float32.</param>
    /// <returns>codes uint8 [rows, groups, 16], scales float16 [rows, groups, 1].</returns>
    public static (Tensor Codes, Tensor Scales) Quantize(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        // argmax returns the first maximal index: the reference's strict `amax < fabsf(v)` keeps the first too
        var m = x.gather(-1, x.abs().argmax(-1, keepdim: true));
        var d = m / -8f;
        var id = torch.where(d.ne(0), d.reciprocal(), torch.zeros_like(d));
        // x·id ∈ [−8, 8], so x·id + 8.5 > 0 and the int8 cast is a floor
        var q = (x * id + 8.5f).trunc().clamp_max(15).to(ScalarType.Byte);
        var low = q.narrow(-1, 0, 16);
        var high = q.narrow(-1, 16, 16);
        var packed = low.bitwise_or(high.bitwise_left_shift(4));
        return (packed.MoveToOuterDisposeScope(), d.to(ScalarType.Float16).MoveToOuterDisposeScope());
    }

    /// <returns>float32 [rows, groups, 32].</returns>
    public static Tensor Dequantize(Tensor codes, Tensor scales)
    {
        using var scope = torch.NewDisposeScope();
        var low = codes.bitwise_and(15);
        var high = codes.bitwise_right_shift(4);
        var q = torch.cat([low, high], -1).to(ScalarType.Float32) - 8f;
        return (q * scales.to(ScalarType.Float32)).MoveToOuterDisposeScope();
    }
}
