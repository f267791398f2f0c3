using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>Fluency: the model's perplexity exp(mean next-token NLL) on a text, in blocks of equal length.</summary>
public static class Perplexity
{
    public static double Measure(LanguageModel lm, IEnumerable<string> documents, long maxTokens = 20_000, int blockSize = 128, int batchSize = 8)
    {
        var blocks = TokenStream.Blocks(lm, documents, Math.Min(blockSize, KeyStatistics.MaxPositions(lm)), maxTokens).Where(b => b.Length > 1).ToList();
        if (blocks.Count == 0) throw new RelensException("the text for perplexity is empty");
        double nll = 0; long n = 0;
        using var noGrad = torch.no_grad();
        foreach (var group in blocks.GroupBy(b => b.Length))
            foreach (var batch in group.Chunk(batchSize))
            {
                using var scope = torch.NewDisposeScope();
                var ids = torch.tensor(batch.SelectMany(b => b).ToArray(), [batch.Length, group.Key], ScalarType.Int64);
                var logits = lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.All }).Logits!.to(ScalarType.Float32);
                var logp = logits.narrow(1, 0, group.Key - 1).log_softmax(-1);
                var target = ids.narrow(1, 1, group.Key - 1).unsqueeze(-1);
                nll -= logp.gather(-1, target).sum().item<float>();
                n += batch.Length * (group.Key - 1);
            }
        return Math.Exp(nll / n);
    }
}
