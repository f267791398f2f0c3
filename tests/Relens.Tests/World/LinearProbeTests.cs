using Relens.World;
using TorchSharp;

namespace Relens.Tests.World;

[Collection(TorchRngCollection.Name)]
public class LinearProbeTests
{
    [Fact]
    public void Finds_a_linear_code_on_held_out_rows_and_not_a_random_one()
    {
        torch.manual_seed(0);
        int n = 120, d = 16, k = 4;
        var rng = new Random(3);
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(k)).ToArray();
        var codes = torch.randn(k, d) * 3;
        var x = codes[torch.tensor(labels.Select(l => (long)l).ToArray())] + torch.randn(n, d);
        var onehot = torch.eye(k);
        double linear = LinearProbe.CrossValidatedAccuracy(x, onehot, labels, folds: 4, ridge: 1e-2, seed: 1);
        Assert.True(linear > 0.95, $"linear {linear}");

        var shuffled = labels.OrderBy(_ => rng.Next()).ToArray();
        double random = LinearProbe.CrossValidatedAccuracy(x, onehot, shuffled, folds: 4, ridge: 1e-2, seed: 1);
        Assert.True(random < 0.5, $"random {random}");
    }

    [Fact]
    public void Generalises_to_unseen_answers_through_their_target_vectors()
    {
        // Each row has its own answer (like past tense): the map h → target vector is linear, so
        // held-out answers are still picked out among all candidates.
        torch.manual_seed(1);
        int n = 80, d = 32;
        var targets = torch.randn(n, d);
        var map = torch.randn(d, d);
        var x = targets.matmul(map) + 0.01 * torch.randn(n, d);
        double acc = LinearProbe.CrossValidatedAccuracy(x, targets, Enumerable.Range(0, n).ToArray(), folds: 5, ridge: 1e-3, seed: 2);
        Assert.True(acc > 0.9, $"acc {acc}");
    }
}
