using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>
/// The closed-form weight updates of ROME and MEMIT for an output projection written out = W·k (W is
/// [d, m]; GPT-2's Conv1D stores Wᵀ, the caller transposes). All in float64.
/// </summary>
public static class KeyValueUpdate
{
    /// <summary>
    /// ROME (Meng et al. 2022, eq. 2): ΔW = r (C⁻¹k*)ᵀ / (k*ᵀC⁻¹k*), the smallest change under the key covariance C
    /// that maps k* to W·k* + r exactly; any key k with kᵀC⁻¹k* = 0 is left unchanged.
    /// </summary>
    public static Tensor RankOne(Tensor residual, Tensor key, Tensor covariance)
    {
        using var scope = torch.NewDisposeScope();
        var r = residual.to(ScalarType.Float64).reshape(-1);
        var k = key.to(ScalarType.Float64).reshape(-1);
        var cInvK = torch.linalg.solve(covariance.to(ScalarType.Float64), k.unsqueeze(1)).squeeze(1);
        return (torch.outer(r, cInvK) / torch.dot(k, cInvK)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// MEMIT's least-squares batch form (Meng et al. 2023, eq. 14) at one layer: ΔW = R Kᵀ (λC + K Kᵀ)⁻¹ for
    /// residuals R [N, d] and keys K [N, m] (one row per edit); λ weighs the preserved keys' covariance against the edits.
    /// </summary>
    public static Tensor Batch(Tensor residuals, Tensor keys, Tensor covariance, double lambda)
    {
        using var scope = torch.NewDisposeScope();
        var r = residuals.to(ScalarType.Float64);
        var k = keys.to(ScalarType.Float64);
        var a = covariance.to(ScalarType.Float64) * lambda + torch.matmul(k.t(), k);   // [m, m], symmetric
        // R Kᵀ A⁻¹ = (A⁻¹ K Rᵀ)ᵀ
        return torch.linalg.solve(a, torch.matmul(k.t(), r)).t().contiguous().MoveToOuterDisposeScope();
    }
}
