using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>"Logit lens": ẑ = h.</summary>
public sealed class IdentityOperator : IRelationOperator
{
    public string Name => "Identity";
    public Tensor Apply(Tensor h) => h.to(ScalarType.Float32).clone();
}

/// <summary>ẑ = h + b with b = mean(z − h) over the training pairs.</summary>
public sealed class TranslationOperator : IRelationOperator, IDisposable
{
    private readonly Tensor _offset;

    public TranslationOperator(Tensor h, Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        _offset = (z.to(ScalarType.Float32) - h.to(ScalarType.Float32)).mean([0]).DetachFromDisposeScope();
    }

    public string Name => "Translation";
    public Tensor Apply(Tensor h) => h.to(ScalarType.Float32) + _offset;
    public void Dispose() => _offset.Dispose();
}

/// <summary>
/// ẑ = W·h + b fitted to the n training pairs by regression, as the paper's baseline does: Adam (lr 5e-2,
/// weight decay 2e-2), 100 full-batch steps, MSE to the real z, uniform(±0.1) initialisation, float32.
/// </summary>
public sealed class LinearRegressionOperator : IRelationOperator, IDisposable
{
    private readonly Tensor _weight, _bias;

    public LinearRegressionOperator(Tensor h, Tensor z, long seed = 0, int steps = 100)
    {
        using var scope = torch.NewDisposeScope();
        long d = h.shape[1];
        var generator = new Generator((ulong)seed);
        var w = new TorchSharp.Modules.Parameter(torch.rand(d, d, generator: generator) * 0.2 - 0.1);
        var b = new TorchSharp.Modules.Parameter(torch.rand(d, generator: generator) * 0.2 - 0.1);
        var x = h.to(ScalarType.Float32).detach();
        var y = z.to(ScalarType.Float32).detach();
        var optimizer = torch.optim.Adam([w, b], lr: 5e-2, weight_decay: 2e-2);
        using (torch.enable_grad())
        {
            for (int step = 0; step < steps; step++)
            {
                using var stepScope = torch.NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(torch.matmul(x, w.t()) + b, y);
                loss.backward();
                optimizer.step();
            }
        }
        _weight = w.detach().clone().DetachFromDisposeScope();
        _bias = b.detach().clone().DetachFromDisposeScope();
    }

    public string Name => "LinearRegression";
    public Tensor Apply(Tensor h) => torch.matmul(h.to(ScalarType.Float32), _weight.t()) + _bias;
    public void Dispose() { _weight.Dispose(); _bias.Dispose(); }
}
