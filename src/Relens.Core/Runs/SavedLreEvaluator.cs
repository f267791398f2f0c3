using System.Text.Json.Serialization;
using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;

namespace Relens.Runs;

public sealed record RankCausality([property: JsonPropertyName("rank")] int Rank, [property: JsonPropertyName("causality")] double Causality);

public sealed record SampleResult(
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("lm_top1")] string LmTop1,
    [property: JsonPropertyName("lre_top3")] IReadOnlyList<string> LreTop3,
    [property: JsonPropertyName("hit1")] bool Hit1);

/// <summary>Faithfulness and causality of one saved LRE on its relation's other samples (LM-known ones only).</summary>
public sealed record LreEvaluation
{
    [JsonPropertyName("relation")] public required string Relation { get; init; }
    [JsonPropertyName("layer")] public required string Layer { get; init; }
    [JsonPropertyName("beta")] public double Beta { get; init; }
    [JsonPropertyName("model_directory")] public required string ModelDirectory { get; init; }
    [JsonPropertyName("n_test")] public int TestSamples { get; init; }
    [JsonPropertyName("n_known")] public int KnownSamples { get; init; }
    /// <summary>recall@1..3; null when no test fact is LM-known (the metric is then undefined).</summary>
    [JsonPropertyName("recall")] public IReadOnlyList<double>? Recall { get; init; }
    [JsonPropertyName("edit_pairs")] public int EditPairs { get; init; }
    [JsonPropertyName("causality")] public IReadOnlyList<RankCausality> Causality { get; init; } = [];
    [JsonPropertyName("best_rank")] public int? BestRank { get; init; }
    [JsonPropertyName("best_causality")] public double? BestCausality { get; init; }
    [JsonPropertyName("samples")] public IReadOnlyList<SampleResult> Samples { get; init; } = [];
    [JsonPropertyName("note")] public string? Note { get; init; }
}

/// <summary>
/// `relens eval`: the test set is every sample of the relation that is not one of the LRE's training samples;
/// it is filtered to the facts the LM answers correctly under the LRE's own n-shot prompt (as the sweep does),
/// then scored by recall@1..3 and by causality over the given ranks (edit targets drawn with the seed).
/// </summary>
public static class SavedLreEvaluator
{
    public static LreEvaluation Evaluate(LanguageModel lm, LinearRelation lre, Relation relation, IReadOnlyList<int> ranks, long seed = 0)
    {
        string template = lre.Info.PromptTemplate;
        if (!template.Contains(IclPrompt.Slot))
            throw new RelensException($"the LRE of '{lre.Info.Relation}' has a prompt_template without the \"{{}}\" subject slot");
        var train = lre.Info.TrainingSamples.ToHashSet();
        var test = relation.Samples.Where(s => !train.Contains(s)).ToList();
        if (test.Count == 0)
            throw new RelensException($"relation '{relation.Name}' has no samples besides the LRE's {train.Count} training samples: nothing to evaluate on");
        var result = new LreEvaluation { Relation = relation.Name, Layer = lre.Layer.ToString(), Beta = lre.Beta, ModelDirectory = lm.Directory, TestSamples = test.Count };

        using var scope = torch.NewDisposeScope();
        var prompts = test.Select(s => SubjectPrompt.Create(lm, IclPrompt.FillQuery(template, s.Subject), s.Subject)).ToList();
        using var states = PromptStates.Read(lm, prompts, [lre.Layer]);
        var known = KnownTestFacts.Select(lm, states, test, prompts);
        if (known.Count == 0)
            return result with { Note = $"none of the {test.Count} test facts is answered correctly by the LM under this prompt, so faithfulness and causality are undefined" };

        var h = known.Rows(states.H(lre.Layer));
        var z = known.Rows(states.Z);
        var (ids, probs) = Decoding.TopK(lm.Model, lre.Apply(h), 3);
        var f = Faithfulness.Score(lm, "LRE", ids, probs, known.Samples, known.LmAnswers);

        var pairs = known.EditPairs(seed);
        IReadOnlyList<CausalityResult> edits = [];
        if (pairs.Count > 0 && ranks.Count > 0)
        {
            using var causality = new Causality(lre);
            edits = causality.Evaluate(lm, known.Prompts, known.Samples, z, pairs, ranks);
        }
        var best = KnownTestFacts.BestRank(edits);
        return result with
        {
            KnownSamples = known.Count,
            Recall = [f.Recall1, f.Recall2, f.Recall3],
            EditPairs = pairs.Count,
            Causality = edits.Select(e => new RankCausality(e.Rank, e.Efficacy)).ToList(),
            BestRank = best?.Rank,
            BestCausality = best?.Efficacy,
            Samples = f.Samples.Select(s => new SampleResult(s.Subject, s.Object, s.LmTop1, s.Predicted, s.Hit1)).ToList(),
            Note = pairs.Count == 0 ? "no edit pairs (causality needs two known facts with different objects)" : null,
        };
    }
}
