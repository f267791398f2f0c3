using Relens.Models;
using Relens.Models.Decoder;
using Relens.Models.Gpt2;
using Relens.Models.GptJ;
using Relens.Models.GptNeoX;
using Relens.Models.Llama;

namespace Relens.Benchmarks;

/// <summary>
/// The matrix sizes of one block that a cotangent meets: the query (and attention output) width, the key/value width
/// (smaller under grouped-query attention), the MLP width and its matrix count (2, or 3 for a gated MLP).
/// </summary>
public sealed record BlockShape(long D, long QWidth, long KvWidth, long Inner, int MlpMatrices)
{
    /// <summary>A GPT-2-style block: q, k, v and output d × d, an MLP of two d × inner matrices.</summary>
    public static BlockShape Dense(long d, long inner) => new(d, d, d, inner, 2);

    public static BlockShape Of(TransformerLM model) => model switch
    {
        Gpt2Model m => Dense(m.Config.NEmbd, m.Config.InnerSize),
        GptJModel m => Dense(m.Config.NEmbd, m.Config.InnerSize),
        GptNeoXModel m => Dense(m.Config.HiddenSize, m.Config.IntermediateSize),
        LlamaModel m => new(m.Config.HiddenSize, (long)m.Config.NumAttentionHeads * m.Config.HeadDim,
            (long)m.Config.NumKeyValueHeads * m.Config.HeadDim, m.Config.IntermediateSize, 3),
        DecoderModel m => new(m.Spec.HiddenSize, (long)m.Spec.NumHeads * m.Spec.HeadDim, (long)m.Spec.NumKeyValueHeads * m.Spec.HeadDim,
            m.Spec.IntermediateSize, 3),
        _ => Dense(model.HiddenSize, 4L * model.HiddenSize),
    };

    /// <summary>Multiply-adds per token of the weight products: q, k, v, output and the MLP's matrices.</summary>
    public double WeightMacs => (double)D * QWidth + 2.0 * D * KvWidth + (double)QWidth * D + (double)MlpMatrices * D * Inner;

    /// <summary>The MLP and the attention output on one row (the top block's queries).</summary>
    public double RowMacs => (double)MlpMatrices * D * Inner + (double)QWidth * D;
}

/// <summary>
/// FLOPs of the LRE's Jacobians, the numerator of every Jacobian throughput figure. Per prompt, J_ℓ is d
/// vector-Jacobian products through the blocks after ℓ for the T tokens from the subject's last token to the
/// end, attending over S keys (the whole prompt). Only matrix products count; norms, activations and the
/// forward pass that records the tapes are overhead.
/// </summary>
public static class JacobianFlops
{
    /// <summary>
    /// The useful work (the figure targets are stated in): per block 2·T·(weight multiply-adds: 12d² for a GPT-2
    /// block with inner = 4d) and 8·T·S·(query width) for attention (scores and values, forward and back), times d
    /// products and the blocks after ℓ.
    /// </summary>
    public static double Useful(BlockShape s, int blocksAfter, long suffix, long keys) =>
        (double)s.D * blocksAfter * (2.0 * suffix * s.WeightMacs + 8.0 * suffix * keys * s.QWidth);

    public static double Useful(long d, long inner, int blocksAfter, long suffix, long keys) =>
        Useful(BlockShape.Dense(d, inner), blocksAfter, suffix, keys);

    /// <summary>
    /// What the linearized Jacobian actually multiplies: as <see cref="Useful(BlockShape, int, long, long)"/> below the top block, but at
    /// the top block only the last token carries a cotangent, so its MLP, attention output and queries run
    /// on one row instead of T (keys and values still on all T), and attention costs 4·t·S·q + 4·T·t·q for t
    /// cotangent rows instead of 8·T·S·q (q the query width).
    /// </summary>
    public static double Executed(BlockShape s, int blocksAfter, long suffix, long keys)
    {
        if (blocksAfter == 0) return 0;
        double full = 2.0 * suffix * s.WeightMacs + 4.0 * suffix * keys * s.QWidth + 4.0 * suffix * suffix * s.QWidth;
        double top = 2.0 * s.RowMacs                                    // MLP and attention output, one row
            + 2.0 * (suffix * 2.0 * s.D * s.KvWidth + s.D * s.QWidth)   // keys and values on T rows, queries on one
            + 4.0 * keys * s.QWidth + 4.0 * suffix * s.QWidth;          // attention, one query row
        return s.D * ((blocksAfter - 1) * full + top);
    }

    public static double Executed(long d, long inner, int blocksAfter, long suffix, long keys) =>
        Executed(BlockShape.Dense(d, inner), blocksAfter, suffix, keys);
}
