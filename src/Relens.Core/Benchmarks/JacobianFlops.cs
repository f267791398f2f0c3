namespace Relens.Benchmarks;

/// <summary>
/// FLOPs of the LRE's Jacobians, the numerator of every Jacobian throughput figure. Per prompt, J_ℓ is d
/// vector-Jacobian products through the blocks after ℓ for the T tokens from the subject's last token to the
/// end, attending over S keys (the whole prompt). Only matrix products count; norms, activations and the
/// forward pass that records the tapes are overhead.
/// </summary>
public static class JacobianFlops
{
    /// <summary>
    /// The useful work (the figure targets are stated in): per block 2·T·(3d² + d² + 2·d·inner) for the
    /// weights (q|k|v, attention output, MLP in and out; 12d² for inner = 4d) and 8·T·S·d for attention
    /// (scores and values, forward and back), times d products and the blocks after ℓ.
    /// </summary>
    public static double Useful(long d, long inner, int blocksAfter, long suffix, long keys) =>
        (double)d * blocksAfter * (2.0 * suffix * (4.0 * d * d + 2.0 * d * inner) + 8.0 * suffix * keys * d);

    /// <summary>
    /// What the linearized Jacobian actually multiplies: as <see cref="Useful"/> below the top block, but at
    /// the top block only the last token carries a cotangent, so its MLP, attention output and queries run
    /// on one row instead of T (keys and values still on all T), and attention costs 4·t·S·d + 4·T·t·d for t
    /// cotangent rows instead of 8·T·S·d.
    /// </summary>
    public static double Executed(long d, long inner, int blocksAfter, long suffix, long keys)
    {
        if (blocksAfter == 0) return 0;
        double full = 2.0 * suffix * (4.0 * d * d + 2.0 * d * inner) + 4.0 * suffix * keys * d + 4.0 * suffix * suffix * d;
        double top = 2.0 * (2.0 * d * inner + d * d)           // MLP and attention output, one row
            + 2.0 * (suffix * 2.0 * d * d + d * d)              // keys and values on T rows, queries on one
            + 4.0 * keys * d + 4.0 * suffix * d;                // attention, one query row
        return d * ((blocksAfter - 1) * full + top);
    }
}
