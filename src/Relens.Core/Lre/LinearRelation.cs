using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// An estimated LRE: LRE(h) = β·W·h + b, read at <see cref="Layer"/> of the model identified by
/// <see cref="LinearRelationInfo.ModelIdentity"/>. W is the unscaled mean Jacobian (β scales only W·h, never b; the edit's
/// pseudo-inverse uses the unscaled W). Owns its tensors (float32, outside dispose scopes).
/// </summary>
public sealed class LinearRelation : IRelationOperator, IDisposable
{
    public LinearRelation(Tensor weight, Tensor bias, double beta, LayerRef layer, LinearRelationInfo info)
    {
        if (weight.dim() != 2 || weight.shape[0] != weight.shape[1] || bias.shape[^1] != weight.shape[0])
            throw new ArgumentException($"LRE weight must be [d, d] and bias [d]; got [{string.Join(",", weight.shape)}] and [{string.Join(",", bias.shape)}]");
        Weight = weight.detach().to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
        Bias = bias.detach().to(ScalarType.Float32).reshape(-1).contiguous().DetachFromDisposeScope();
        Beta = beta;
        Layer = layer;
        Info = info;
    }

    /// <summary>[d, d] mean Jacobian ∂z/∂h (unscaled).</summary>
    public Tensor Weight { get; }
    /// <summary>[d] mean of z − J·h.</summary>
    public Tensor Bias { get; }
    public double Beta { get; }
    public LayerRef Layer { get; }
    public LinearRelationInfo Info { get; }
    public long Dim => Weight.shape[0];

    public string Name => "LRE";

    /// <summary>β·W·h + b for h [.., d] (any float dtype); returns float32.</summary>
    public Tensor Apply(Tensor h)
    {
        using var scope = torch.NewDisposeScope();
        var h32 = h.to(ScalarType.Float32);
        return (torch.matmul(h32, Weight.t()) * Beta + Bias).MoveToOuterDisposeScope();
    }

    /// <summary>The same W and b with another β (β is a free hyper-parameter swept at evaluation).</summary>
    public LinearRelation WithBeta(double beta) => new(Weight, Bias, beta, Layer, Info);

    public void Dispose() { Weight.Dispose(); Bias.Dispose(); }
}

/// <summary>Everything about an LRE besides its tensors (saved as the JSON beside the safetensors).</summary>
public sealed record LinearRelationInfo
{
    public required string Relation { get; init; }
    /// <summary>The n-shot ICL prompt with "{}" where the query subject goes (what test-time h is read from).</summary>
    public required string PromptTemplate { get; init; }
    public required IReadOnlyList<RelationSample> TrainingSamples { get; init; }
    public required string ModelIdentity { get; init; }
    public string? ModelType { get; init; }
    public string? ModelDirectory { get; init; }
    public string Estimator { get; init; } = "JacobianIclMean";
    /// <summary>Seconds per phase, e.g. forward, jacobian, total.</summary>
    public IReadOnlyDictionary<string, double> TimingSeconds { get; init; } = new Dictionary<string, double>();
}
