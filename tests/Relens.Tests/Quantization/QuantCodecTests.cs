using Relens.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Quantization;

/// <summary>
/// Each scheme's quantise → dequantise against values worked out by hand from the published definitions (llama.cpp
/// quantize_row_q8_0_ref / quantize_row_q4_0_ref, bitsandbytes NF4): ties, an all-zero group, a group whose largest
/// magnitude is negative, float16 rounding of the scale, and the packed byte layouts.
/// </summary>
public class QuantCodecTests
{
    /// <summary>bitsandbytes functional.py's NF4 table (create_normal_map), typed in from the published source.</summary>
    private static readonly double[] PublishedNf4 =
    [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
        -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
    ];

    private static float[] Row(int length, params (int Index, float Value)[] set)
    {
        var row = new float[length];
        foreach (var (i, v) in set) row[i] = v;
        return row;
    }

    private static (float[] Restored, PackedWeight Packed) RoundTrip(float[][] rows, QuantScheme scheme)
    {
        var flat = rows.SelectMany(r => r).ToArray();
        using var scope = torch.NewDisposeScope();
        var packed = PackedWeight.Quantize(torch.tensor(flat, [rows.Length, rows[0].Length]), scheme);
        return (packed.Dequantize().data<float>().ToArray(), packed);
    }

    private static void AssertRow(float[] expected, float[] restored, int row, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i] == restored[row * expected.Length + i], $"{what}, element {i}: expected {expected[i]:R}, got {restored[row * expected.Length + i]:R}");
    }

    [Fact]
    public void Q8_0MatchesTheHandComputedReference()
    {
        // d = absmax/127, q = roundf(x/d) (halves away from zero), d kept as float16, x̂ = q·d
        var rows = new[]
        {
            // absmax 127 → d = 1: ±2.5 and ±0.5 are ties and go away from zero
            Row(32, (0, 127f), (1, 2.5f), (2, -2.5f), (3, 0.5f), (4, -0.5f), (5, 1.49f), (6, -127f)),
            Row(32),                                                                        // all zero: d = 0, q = 0
            // the largest magnitude is negative: absmax 63.5 → d = 0.5; 0.25/0.5 = 0.5 is a tie → 1 → 0.5
            Row(32, (0, -63.5f), (1, 10f), (2, -20f), (3, 0.25f), (4, 0.2f)),
            // absmax 1 → d = 1/127, stored as float16 1032·2⁻¹⁷; 1 → 127, 0.3 → round(38.1) = 38
            Row(32, (0, 1f), (1, 0.3f)),
        };
        var (restored, packed) = RoundTrip(rows, QuantScheme.Q8_0);
        using (packed)
        {
            AssertRow(Row(32, (0, 127f), (1, 3f), (2, -3f), (3, 1f), (4, -1f), (5, 1f), (6, -127f)), restored, 0, "ties away from zero");
            AssertRow(Row(32), restored, 1, "all-zero group");
            AssertRow(Row(32, (0, -63.5f), (1, 10f), (2, -20f), (3, 0.5f), (4, 0f)), restored, 2, "negative largest magnitude");
            const double d16 = 1032.0 / 131072.0;
            AssertRow(Row(32, (0, (float)(127 * d16)), (1, (float)(38 * d16))), restored, 3, "float16 scale");
            Assert.Equal(ScalarType.Int8, packed.Codes.dtype);
            Assert.Equal(ScalarType.Float16, packed.Scales.dtype);
            Assert.Equal(4 * 34, packed.Bytes);
        }
    }

    [Fact]
    public void Q4_0MatchesTheHandComputedReference()
    {
        // m = the element of largest magnitude with its sign (the first on a tie), d = m/−8, q = min(15, trunc(x/d + 8.5)), x̂ = (q − 8)·d
        var rows = new[]
        {
            // m = 8 → d = −1: 8 → 0 → 8; −8 → 16.5 → 15 → −7; 2.5 → 6.0 → 2; −2.5 → 11 → −3; 3.7 → 4.8 → 4; −0.6 → 9.1 → −1
            Row(32, (0, 8f), (1, -8f), (2, 2.5f), (3, -2.5f), (4, 3.7f), (5, -0.6f), (17, 0.4f)),
            Row(32),                                                                        // all zero: d = 0, q = 8, x̂ = 0
            // |−4| = |4|: the first (−4) is m → d = 0.5: −4 → 0 → −4; 4 → 15 → 3.5; 1 → 10.5 → 10 → 1; −1.3 → 5.9 → 5 → −1.5
            Row(32, (3, -4f), (10, 4f), (11, 1f), (20, -1.3f)),
            // the same tie the other way round: m = 4 → d = −0.5: 4 → 4, −4 → 15 → −3.5
            Row(32, (0, 4f), (1, -4f)),
            // m = −0.1 → d = 0.0125, stored as float16 1638·2⁻¹⁷: −0.1 → 0 → −8·d; 0.05 → 12.5 → 12 → 4·d
            Row(32, (0, -0.1f), (16, 0.05f)),
        };
        var (restored, packed) = RoundTrip(rows, QuantScheme.Q4_0);
        using (packed)
        {
            AssertRow(Row(32, (0, 8f), (1, -7f), (2, 2f), (3, -3f), (4, 4f), (5, -1f), (17, 0f)), restored, 0, "positive largest magnitude");
            AssertRow(Row(32), restored, 1, "all-zero group");
            AssertRow(Row(32, (3, -4f), (10, 3.5f), (11, 1f), (20, -1.5f)), restored, 2, "negative largest magnitude, first of a tie");
            AssertRow(Row(32, (0, 4f), (1, -3.5f)), restored, 3, "positive first of a tie");
            const double d16 = 1638.0 / 131072.0;
            AssertRow(Row(32, (0, (float)(-8 * d16)), (16, (float)(4 * d16))), restored, 4, "float16 scale");
            // block_q4_0.qs: byte j = q[j] | q[j + 16] << 4; row 0: q[0] = 0, q[16] = 8 (x = 0); q[1] = 15, q[17] = 8 (x = 0.4)
            var codes = packed.Codes.data<byte>().ToArray();
            Assert.Equal(0 | 8 << 4, codes[0]);
            Assert.Equal(15 | 8 << 4, codes[1]);
            Assert.Equal(18 * 5, packed.Bytes);
        }
    }

    [Fact]
    public void Nf4LevelsAreThePublishedTable()
    {
        Assert.Equal(PublishedNf4.Length, Nf4.Levels.Length);
        for (int i = 0; i < PublishedNf4.Length; i++) Assert.Equal((float)PublishedNf4[i], Nf4.Levels[i]);
        Assert.Equal(0f, Nf4.Levels[7]);
        // the pivots are the float32 midpoints of neighbouring levels
        for (int i = 0; i < Nf4.Thresholds.Length; i++)
            Assert.Equal((float)((PublishedNf4[i] + PublishedNf4[i + 1]) / 2), Nf4.Thresholds[i], 6);
    }

    /// <summary>The definition: x/absmax to the nearest level (by distance, in double), x̂ = level·absmax.</summary>
    private static float[] Nf4Reference(float[] block)
    {
        double absmax = block.Max(v => Math.Abs((double)v));
        return block.Select(v =>
        {
            if (absmax == 0) return 0f;
            double s = v / absmax;
            int best = 0;
            for (int i = 1; i < 16; i++) if (Math.Abs(s - PublishedNf4[i]) < Math.Abs(s - PublishedNf4[best])) best = i;
            return (float)((float)PublishedNf4[best] * (float)absmax);
        }).ToArray();
    }

    [Fact]
    public void Nf4MatchesTheHandComputedReference()
    {
        float pivot = Nf4.Thresholds[7];                                  // midpoint of 0 and 0.0796 (bitsandbytes' 0.03979014977812767)
        var rows = new[]
        {
            // absmax 1: values are their own normalised form
            Row(64, (0, 1f), (1, 0.5626170039176941f), (2, 0.3f), (3, -0.2f), (4, -1f), (5, 0.7f), (6, -0.05f), (63, 0.12f)),
            Row(64),                                                      // all zero → 0
            // the largest magnitude is negative: absmax 2 → −2/2 = −1; 1/2 = 0.5 → 0.4407 (nearer than 0.5626); 0.2/2 → 0.0796
            Row(64, (0, -2f), (1, 1f), (2, 0.2f), (40, -0.9f)),
            // ties: exactly on a pivot goes to the lower level (bitsandbytes' strict x > pivot); just above to the upper
            Row(64, (0, 1f), (1, pivot), (2, MathF.BitIncrement(pivot)), (3, Nf4.Thresholds[14]), (4, -Nf4.Thresholds[7])),
        };
        var (restored, packed) = RoundTrip(rows, QuantScheme.Nf4);
        using (packed)
        {
            AssertRow(Nf4Reference(rows[0]), restored, 0, "nearest level");
            AssertRow(Row(64), restored, 1, "all-zero block");
            AssertRow(Nf4Reference(rows[2]), restored, 2, "negative largest magnitude");
            Assert.Equal(-2f, restored[2 * 64]);
            Assert.Equal((float)PublishedNf4[12] * 2f, restored[2 * 64 + 1]);
            Assert.Equal(1f, restored[3 * 64]);
            Assert.Equal(0f, restored[3 * 64 + 1]);                                 // pivot(0, 0.0796) → 0
            Assert.Equal((float)PublishedNf4[8], restored[3 * 64 + 2]);             // just above → 0.0796
            Assert.Equal((float)PublishedNf4[14], restored[3 * 64 + 3]);            // pivot(0.7230, 1) → 0.7230
            // −0.0398 lies between the pivots −0.0455 and 0.0398 → 0
            Assert.Equal(0f, restored[3 * 64 + 4]);
            // two codes per byte, the first in the high nibble: row 0 starts with codes 15 (1.0) and 13 (0.5626)
            Assert.Equal(15 << 4 | 13, packed.Codes.data<byte>()[0]);
            Assert.Equal(ScalarType.Float32, packed.Scales.dtype);
            Assert.Equal(4 * 36, packed.Bytes);
        }
    }

    [Fact]
    public void UnknownSchemesAndIndivisibleInputsAreClearErrors()
    {
        var e = Assert.Throws<RelensException>(() => QuantSchemes.Parse("q3_k"));
        Assert.Contains("unknown quantisation scheme 'q3_k'", e.Message);
        Assert.Contains("q8_0, q4_0, nf4", e.Message);
        Assert.Equal(QuantScheme.Nf4, QuantSchemes.Parse("NF4"));
        using var scope = torch.NewDisposeScope();
        var e2 = Assert.Throws<RelensException>(() => PackedWeight.Quantize(torch.zeros(4, 48), QuantScheme.Q8_0, "'w'"));
        Assert.Contains("'w'", e2.Message);
        Assert.Contains("input dimension 48 is not divisible by the group size 32", e2.Message);
    }
}
