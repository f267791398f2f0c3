using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Evaluation;

/// <summary>One test subject: the LM's answer and the operator's top-k decoded tokens.</summary>
public sealed record FaithfulnessSample(string Subject, string Object, string LmTop1, string[] Predicted, float[] Probabilities, bool Hit1);

public sealed record FaithfulnessResult(string Operator, double Recall1, double Recall2, double Recall3, IReadOnlyList<FaithfulnessSample> Samples)
{
    public int Count => Samples.Count;
}

/// <summary>
/// Faithfulness (LRE-METHOD §4): decode the operator's ẑ = O(h) through the final norm and unembedding;
/// recall@k = one of the top-k tokens is a non-empty, case-insensitive, stripped prefix of the object.
/// </summary>
public static class Faithfulness
{
    public static FaithfulnessResult Evaluate(LanguageModel lm, IRelationOperator op, Tensor h, PromptStates states, IReadOnlyList<RelationSample> samples)
    {
        if (h.shape[0] != samples.Count) throw new ArgumentException($"{h.shape[0]} states for {samples.Count} samples");
        using var scope = torch.NewDisposeScope();
        var (ids, probs) = Decoding.TopK(lm.Model, op.Apply(h), 3);
        var lmTop = Enumerable.Range(0, samples.Count).Select(i => lm.Tokenizer.Decode(states.LmTopIds[i][0])).ToArray();
        return Score(lm, op.Name, ids, probs, samples, lmTop);
    }

    /// <summary>Scores decoded top-k ids against the objects; <paramref name="lmTop1"/> is the LM's own answer, for display.</summary>
    public static FaithfulnessResult Score(LanguageModel lm, string name, int[][] ids, float[][] probs, IReadOnlyList<RelationSample> samples, string[]? lmTop1 = null)
    {
        if (samples.Count == 0) return new FaithfulnessResult(name, 0, 0, 0, []);
        var result = new List<FaithfulnessSample>();
        var hits = new int[3];
        for (int i = 0; i < samples.Count; i++)
        {
            var tokens = ids[i].Select(lm.Tokenizer.Decode).ToArray();
            for (int k = 0; k < 3; k++)
                if (PrefixMatch.AnyIsNontrivialPrefix(tokens.Take(k + 1), samples[i].Object)) hits[k]++;
            result.Add(new FaithfulnessSample(samples[i].Subject, samples[i].Object, lmTop1?[i] ?? "", tokens, probs[i],
                PrefixMatch.IsNontrivialPrefix(tokens[0], samples[i].Object)));
        }
        double n = samples.Count;
        return new FaithfulnessResult(name, hits[0] / n, hits[1] / n, hits[2] / n, result);
    }
}
