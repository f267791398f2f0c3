using System.Globalization;
using Relens.Checkpoints;

namespace Relens.Models;

/// <summary>What a loaded model's weights take in memory: packed weights at their packed size, the rest as stored.</summary>
/// <param name="PackedBytes">Codes and scales of the packed (quantised) weights.</param>
/// <param name="PackedFloatBytes">What those weights would take as parameters of the model's dtype.</param>
/// <param name="OtherBytes">Every remaining parameter (embeddings, norms, biases, unpacked weights).</param>
public sealed record WeightMemory(long PackedBytes, long PackedFloatBytes, long OtherBytes)
{
    public long TotalBytes => PackedBytes + OtherBytes;

    public static WeightMemory Of(LanguageModel lm)
    {
        long element = SafetensorsDType.ElementSize(lm.Model.DType);
        long packed = 0, packedFloat = 0;
        foreach (var (_, layer) in ModelQuantizer.Targets(lm.Model))
            if (layer.Packed is { } p)
            {
                packed += p.Bytes;
                packedFloat += p.Rows * p.Columns * element;
            }
        long other = lm.Model.parameters().Sum(p => p.numel() * p.ElementSize);
        return new WeightMemory(packed, packedFloat, other);
    }

    public static string Describe(LanguageModel lm)
    {
        var m = Of(lm);
        string total = $"{Mib(m.TotalBytes)} in memory";
        if (lm.Quantization is not { } q) return $"{total} ({SafetensorsDType.NameOf(lm.Model.DType)}, not quantised)";
        double ratio = m.PackedFloatBytes == 0 ? 0 : m.PackedBytes / (double)m.PackedFloatBytes;
        return string.Create(CultureInfo.InvariantCulture,
            $"{total}: block linear weights packed as {q.Describe()} {Mib(m.PackedBytes)} ({ratio:0.000} of their {Mib(m.PackedFloatBytes)} as " +
            $"{SafetensorsDType.NameOf(lm.Model.DType)}) + {Mib(m.OtherBytes)} other parameters");
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
