using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tracing;

/// <summary>
/// The corruption's σ: a factor (ROME: 3) times the standard deviation of the token embedding matrix over the
/// whole vocabulary (all V × d entries, unbiased). ROME's script measures the std over the embeddings of the
/// dataset's subject tokens instead; the vocabulary-wide std does not depend on which facts are traced.
/// The embeddings are read at hook_embed (what the noise is added to), so architectures that scale their
/// embeddings get the scaled matrix.
/// </summary>
public static class NoiseScale
{
    public static double EmbeddingStd(TransformerLM model, int chunk = 4096)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        double sum = 0, sumSq = 0;
        long count = 0;
        using var registration = model.Hook(HookNames.Embed).Add(e =>
        {
            using var inner = torch.NewDisposeScope();
            var x = e.to(ScalarType.Float64);
            sum += x.sum().item<double>();
            sumSq += (x * x).sum().item<double>();
            count += x.numel();
            return e;
        });
        for (int start = 0; start < model.VocabSize; start += chunk)
        {
            using var step = torch.NewDisposeScope();
            int n = Math.Min(chunk, model.VocabSize - start);
            var ids = torch.arange(start, start + n, dtype: ScalarType.Int64).unsqueeze(0);
            model.Embed(ids, torch.zeros(1, n, dtype: ScalarType.Int64));
        }
        if (count < 2) throw new RelensException("the vocabulary is too small to measure the embeddings' spread");
        double mean = sum / count;
        return Math.Sqrt(Math.Max(0, (sumSq - count * mean * mean) / (count - 1)));
    }

    /// <summary>σ for <paramref name="options"/>: its explicit Noise, else NoiseFactor × <see cref="EmbeddingStd"/>.</summary>
    public static double Sigma(TransformerLM model, TraceOptions options) =>
        options.Noise ?? options.NoiseFactor * EmbeddingStd(model);
}
