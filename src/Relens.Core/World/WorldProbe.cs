using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.World;

/// <summary>Held-out accuracy of a linear probe from the subject's last-token state, per layer.</summary>
/// <param name="Accuracy">Layer name → cross-validated accuracy.</param>
/// <param name="Majority">Share of the relation's most common object.</param>
/// <param name="UnembeddingTargets">True when objects are (mostly) distinct, so the probe regresses onto the
/// objects' first-token unembedding rows instead of classifying among seen objects.</param>
public sealed record WorldProbeResult(string Relation, IReadOnlyDictionary<string, double> Accuracy, double Majority, bool UnembeddingTargets);

/// <summary>
/// Is a relation's object linearly readable at the subject's last token? For each fact the 8-shot ICL prompt
/// is run, the state at the subject's last token is read at every layer, and a ridge least-squares probe
/// is scored on held-out subjects (5 folds). A probe that works where faithfulness fails says the fact is
/// at the subject but read out non-linearly; neither working says it is looked up elsewhere.
/// </summary>
public static class WorldProbe
{
    public static WorldProbeResult Run(LanguageModel lm, WorldRelation r, IReadOnlyList<LayerRef> layers,
        int shots = 8, int seed = 1, int folds = 5, double ridge = 0.1)
    {
        using var scope = torch.NewDisposeScope();
        var rng = Seeds.Rng(seed, 5, IclKnowledge.Fnv(r.Id));
        // World models are GPT-2s: the paper's prompt with its leading <|endoftext|>.
        var prompts = r.Facts.Select(f => SubjectPrompt.Create(lm,
            IclKnowledge.Prompt(r, IclKnowledge.DrawShots(r, f, shots, rng), f.Subject), f.Subject)).ToList();
        using var states = PromptStates.Read(lm, prompts, layers.ToList(), topK: 1);
        var objects = r.Objects;
        var labels = r.Facts.Select(f => IndexOf(objects, f.Object)).ToArray();
        // Distinct-object relations (past tense, capitals): classify by the objects' first-token unembeddings.
        bool unembedding = objects.Count > r.Facts.Count / 2;
        var candidates = unembedding
            ? torch.stack(objects.Select(o => lm.Model.UnembeddingWeight[lm.Tokenizer.Encode(" " + o, false).Ids[0]]).ToArray()).detach()
            : torch.eye(objects.Count);
        var acc = layers.ToDictionary(l => l.ToString(),
            l => LinearProbe.CrossValidatedAccuracy(states.H(l), candidates, labels, Math.Min(folds, r.Facts.Count), ridge, seed));
        double majority = ObjectBaselines.Majority(r.Facts.Select(f => f.Object).ToList(), o => o);
        return new WorldProbeResult(r.Name, acc, majority, unembedding);
    }

    private static int IndexOf(IReadOnlyList<string> items, string item)
    {
        for (int i = 0; i < items.Count; i++) if (items[i] == item) return i;
        return -1;
    }
}
