using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Quantization;

/// <summary>
/// bitsandbytes' NF4 (QLoRA; functional.py's NF4 code table, csrc kernels' dQuantizeNF4 / dDequantizeNF4):
/// blocks of 64 consecutive elements, the block's absmax as a float32 scale, each x·(1/absmax) mapped to the
/// nearest of the 16 NormalFloat levels by bitsandbytes' decision tree, whose strict `x > midpoint` sends a value
/// exactly on a midpoint to the lower level. x̂ = level · absmax. Two codes per byte, the first in the high
/// nibble (as bitsandbytes packs them). An all-zero block (absmax 0, where bitsandbytes would form 0·∞) gets the
/// code of the exact 0 level here, so it is reconstructed as 0 either way.
/// </summary>
internal static class Nf4
{
    /// <summary>The published NF4 table (bitsandbytes functional.py), low to high, with an exact 0 at index 7.</summary>
    public static readonly float[] Levels =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    /// <summary>dQuantizeNF4's pivots, low to high (each the float32 midpoint of two neighbouring levels).</summary>
    public static readonly float[] Thresholds =
    [
        -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
        -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
        0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
        0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f,
    ];

    /// <param name="x">[rows, blocks, 64] float32.</param>
    /// <returns>codes uint8 [rows, blocks, 32], scales float32 [rows, blocks, 1].</returns>
    public static (Tensor Codes, Tensor Scales) Quantize(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var absmax = x.abs().amax([-1], keepdim: true);
        var inverse = torch.where(absmax.ne(0), absmax.reciprocal(), torch.zeros_like(absmax));
        var normed = x * inverse;
        // the decision tree's leaf = how many pivots the value is strictly above: bucketize's index with right = false
        var pivots = torch.tensor(Thresholds, ScalarType.Float32);
        var code = torch.bucketize(normed, pivots, right: false).to(ScalarType.Byte);   // [rows, blocks, 64]
        var pairs = code.view(code.shape[0], code.shape[1], 32, 2);
        var packed = pairs.select(-1, 0).bitwise_left_shift(4).bitwise_or(pairs.select(-1, 1));
        return (packed.MoveToOuterDisposeScope(), absmax.MoveToOuterDisposeScope());
    }

    /// <returns>float32 [rows, blocks, 64].</returns>
    public static Tensor Dequantize(Tensor codes, Tensor scales)
    {
        using var scope = torch.NewDisposeScope();
        var first = codes.bitwise_right_shift(4);
        var second = codes.bitwise_and(15);
        var code = torch.stack([first, second], -1).view(codes.shape[0], codes.shape[1], 64).to(ScalarType.Int64);
        var levels = torch.tensor(Levels, ScalarType.Float32);
        return (levels.index_select(0, code.reshape(-1)).view(code.shape) * scales).MoveToOuterDisposeScope();
    }
}
