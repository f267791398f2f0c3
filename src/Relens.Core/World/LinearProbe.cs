using TorchSharp;
using static TorchSharp.torch;

namespace Relens.World;

/// <summary>
/// A ridge-regularised least-squares map from hidden states to target vectors, scored on held-out
/// rows: a prediction is right when its dot product is largest with the true candidate's vector.
/// With one-hot targets this is a linear classifier over a relation's objects; with the objects'
/// first-token unembedding rows as targets it also works for relations whose objects are all distinct
/// (held-out objects are then never seen in fitting, as for an LRE).
/// </summary>
public static class LinearProbe
{
    /// <param name="features">[N, d] hidden states.</param>
    /// <param name="candidates">[K, m] target vector of each candidate answer.</param>
    /// <param name="labels">Index into <paramref name="candidates"/> of each row's answer.</param>
    /// <param name="folds">Cross-validation folds over rows (rows = entities: each fold's rows are held out once).</param>
    /// <returns>Held-out accuracy over all rows.</returns>
    public static double CrossValidatedAccuracy(Tensor features, Tensor candidates, int[] labels, int folds, double ridge, int seed)
    {
        using var scope = torch.NewDisposeScope();
        int n = labels.Length;
        if (features.shape[0] != n) throw new ArgumentException("features and labels differ in length");
        if (folds < 2 || folds > n) throw new ArgumentException($"folds must be in [2, {n}]");
        var x = features.to(ScalarType.Float64);
        var c = candidates.to(ScalarType.Float64);
        var order = Enumerable.Range(0, n).ToArray();
        Seeds.Shuffle(order, Seeds.Rng(seed, 4));
        int correct = 0;
        for (int f = 0; f < folds; f++)
        {
            var test = order.Where((_, i) => i % folds == f).ToArray();
            var train = order.Where((_, i) => i % folds != f).ToArray();
            var w = Fit(x[torch.tensor(train.Select(i => (long)i).ToArray())],
                        c[torch.tensor(train.Select(i => (long)labels[i]).ToArray())], ridge);
            var predicted = Predict(w, x[torch.tensor(test.Select(i => (long)i).ToArray())], c);
            correct += test.Where((row, i) => predicted[i] == labels[row]).Count();
        }
        return (double)correct / n;
    }

    /// <summary>[d+1, m] weights (last row = bias) minimising ‖[X 1]W − Y‖² + λ‖W‖², features centred
    /// and scaled by their mean norm first so one λ suits every layer.</summary>
    internal static (Tensor W, Tensor Mean, double Scale) Fit(Tensor x, Tensor y, double ridge)
    {
        using var scope = torch.NewDisposeScope();
        var mean = x.mean(new long[] { 0 }, keepdim: true);
        var xc = x - mean;
        double scale = Math.Max(1e-12, xc.norm(1).mean().item<double>());
        var xa = torch.cat(new[] { xc / scale, torch.ones(x.shape[0], 1, dtype: x.dtype) }, 1);
        var gram = xa.T.matmul(xa) + ridge * torch.eye(xa.shape[1], dtype: x.dtype);
        var w = torch.linalg.solve(gram, xa.T.matmul(y));
        return (w.MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope(), scale);
    }

    internal static int[] Predict((Tensor W, Tensor Mean, double Scale) fit, Tensor x, Tensor candidates)
    {
        using var scope = torch.NewDisposeScope();
        var xa = torch.cat(new[] { (x - fit.Mean) / fit.Scale, torch.ones(x.shape[0], 1, dtype: x.dtype) }, 1);
        var scores = xa.matmul(fit.W).matmul(candidates.T);                       // [n, K]
        return scores.argmax(-1).data<long>().Select(v => (int)v).ToArray();
    }
}
