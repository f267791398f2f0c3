using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Quantization;

/// <summary>
/// llama.cpp's Q8_0 (ggml-quants.c quantize_row_q8_0_ref / dequantize_row_q8_0), float32 arithmetic as there:
/// d = absmax/127, id = 1/d (0 for an all-zero group), q = roundf(x·id) — halves away from zero — and d stored
/// as float16; x̂ = q · d.
/// </summary>
internal static class Q8_0
{
    /// <param name="x">[rows, groups, 32] float32.</param>
    /// <returns>codes int8 [rows, groups, 32], scales float16 [rows, groups, 1].</returns>
    public static (Tensor Codes, Tensor Scales) Quantize(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var d = x.abs().amax([-1], keepdim: true) / 127f;
        var id = torch.where(d.ne(0), d.reciprocal(), torch.zeros_like(d));
        // roundf on the float32 product, done in float64 so |v| + 0.5 is exact
        var v = (x * id).to(ScalarType.Float64);
        var q = v.sign() * (v.abs() + 0.5).floor();
        return (q.to(ScalarType.Int8).MoveToOuterDisposeScope(), d.to(ScalarType.Float16).MoveToOuterDisposeScope());
    }

    /// <returns>float32 [rows, groups, 32].</returns>
    public static Tensor Dequantize(Tensor codes, Tensor scales)
    {
        using var scope = torch.NewDisposeScope();
        return (codes.to(ScalarType.Float32) * scales.to(ScalarType.Float32)).MoveToOuterDisposeScope();
    }
}
