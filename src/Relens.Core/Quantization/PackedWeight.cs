using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Quantization;

/// <summary>
/// A [rows, columns] matrix held quantised: groups of <see cref="QuantSchemes.GroupSize"/> consecutive columns
/// (the input dimension of a linear layer's [out, in] weight) share one scale. Owns its code and scale tensors.
/// </summary>
public sealed class PackedWeight : IDisposable
{
    /// <summary>Rows quantised or dequantised at once: bounds the float32 temporaries (NF4's pivot comparison
    /// takes 15 bytes per element) to a few tens of MiB whatever the matrix.</summary>
    private const long ChunkElements = 1L << 21;

    private PackedWeight(QuantScheme scheme, long rows, long columns, Tensor codes, Tensor scales)
    {
        Scheme = scheme;
        Rows = rows;
        Columns = columns;
        Codes = codes;
        Scales = scales;
    }

    public QuantScheme Scheme { get; }
    public long Rows { get; }
    public long Columns { get; }
    /// <summary>[rows, groups, bytes per group]: int8 (q8_0) or two 4-bit codes per byte (q4_0, nf4).</summary>
    public Tensor Codes { get; }
    /// <summary>[rows, groups, 1]: float16 (q8_0, q4_0) or float32 (nf4).</summary>
    public Tensor Scales { get; }

    public long Bytes => Codes.numel() * Codes.ElementSize + Scales.numel() * Scales.ElementSize;

    /// <summary>Packed bytes of a [rows, columns] matrix.</summary>
    public static long BytesFor(QuantScheme scheme, long rows, long columns) => rows * (columns / scheme.GroupSize()) * scheme.GroupBytes();

    /// <summary>Quantises <paramref name="matrix"/> [rows, columns] (any float dtype; quantised from its float32 values).</summary>
    /// <param name="name">What the matrix is, for the error when its columns do not split into groups.</param>
    public static PackedWeight Quantize(Tensor matrix, QuantScheme scheme, string name = "the tensor")
    {
        if (matrix.dim() != 2) throw new ArgumentException($"expected a matrix, got shape [{string.Join(", ", matrix.shape)}]");
        long rows = matrix.shape[0], columns = matrix.shape[1];
        CheckDivisible(scheme, columns, name);
        int g = scheme.GroupSize();
        var codes = new List<Tensor>();
        var scales = new List<Tensor>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long step = Math.Max(1, ChunkElements / columns);
        for (long r = 0; r < rows; r += step)
        {
            using var chunkScope = torch.NewDisposeScope();
            long n = Math.Min(step, rows - r);
            var x = matrix.narrow(0, r, n).to(ScalarType.Float32).reshape(n, columns / g, g);
            var (c, s) = scheme switch
            {
                QuantScheme.Q8_0 => Q8_0.Quantize(x),
                QuantScheme.Q4_0 => Q4_0.Quantize(x),
                _ => Nf4.Quantize(x),
            };
            codes.Add(c.MoveToOuterDisposeScope());
            scales.Add(s.MoveToOuterDisposeScope());
        }
        return new PackedWeight(scheme, rows, columns, torch.cat(codes, 0).DetachFromDisposeScope(), torch.cat(scales, 0).DetachFromDisposeScope());
    }

    /// <summary>A refusal naming <paramref name="name"/> when <paramref name="columns"/> does not split into the scheme's groups.</summary>
    public static void CheckDivisible(QuantScheme scheme, long columns, string name)
    {
        if (columns % scheme.GroupSize() != 0)
            throw new RelensException($"cannot quantise {name} to {scheme.Name()}: its input dimension {columns} is not divisible by the group size {scheme.GroupSize()}");
    }

    /// <summary>The [rows, columns] matrix x̂ in <paramref name="dtype"/>: a fresh tensor in the caller's dispose scope.</summary>
    public Tensor Dequantize(ScalarType dtype = ScalarType.Float32)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var result = torch.empty(Rows, Columns, dtype: dtype);
        long step = Math.Max(1, ChunkElements / Columns);
        for (long r = 0; r < Rows; r += step)
        {
            using var chunkScope = torch.NewDisposeScope();
            long n = Math.Min(step, Rows - r);
            var c = Codes.narrow(0, r, n);
            var s = Scales.narrow(0, r, n);
            var x = Scheme switch
            {
                QuantScheme.Q8_0 => Q8_0.Dequantize(c, s),
                QuantScheme.Q4_0 => Q4_0.Dequantize(c, s),
                _ => Nf4.Dequantize(c, s),
            };
            result.narrow(0, r, n).copy_(x.view(n, Columns));
        }
        return result.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Codes.Dispose();
        Scales.Dispose();
    }
}
