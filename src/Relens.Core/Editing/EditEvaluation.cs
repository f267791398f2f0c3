using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>The five CounterFact-style numbers for one edited model (null where not measurable).</summary>
public sealed record EditMetrics(double Efficacy, double? Paraphrase, double? Specificity, double? Retention,
    double? PerplexityBefore, double? PerplexityAfter, int EditCount, int SpecificityFacts, int RetentionFacts)
{
    public double? FluencyRatio => PerplexityBefore is { } b && PerplexityAfter is { } a ? a / b : null;
}

/// <summary>Per edit: the answers on its n-shot prompt and paraphrases.</summary>
public sealed record EditOutcome(string Subject, string Relation, string OldObject, string NewObject, string Answer, bool Success,
    int ParaphrasesHit, int Paraphrases);

/// <summary>
/// Measures an edit, CounterFact style (Meng et al. 2022), always by the run's prefix rule on the top-1 token:
/// efficacy (the edit's n-shot prompt answers o′), paraphrase (the relation's other templates with the same shots
/// and its zero-shot templates answer o′), specificity (the edited relations' unedited facts that the model knew
/// before are still answered), retention (of every fact the model knew before — for a world model all the facts
/// it was taught — the share it still knows, edited facts excluded) and fluency (perplexity on held-out text).
/// </summary>
public static class EditEvaluation
{
    /// <summary>The facts every evaluation checks, read once from the unedited model.</summary>
    public sealed record Baseline(IReadOnlyList<(RelationContext Context, IReadOnlyList<int> Known)> Relations, double? Perplexity, IReadOnlyList<string>? FluencyText);

    /// <summary>Which facts of <paramref name="contexts"/> the unedited model knows (its answers read once per
    /// prompt by the session), and its perplexity.</summary>
    public static Baseline Before(EditSession session, IReadOnlyList<RelationContext> contexts, long fluencyTokens)
    {
        var lm = session.Lm;
        var relations = contexts.Select(c =>
        {
            var top1 = session.Top1(c.OtherPrompts(lm));
            return (c, (IReadOnlyList<int>)Enumerable.Range(0, c.Others.Count).Where(i => KnownFacts.IsKnown(lm, top1[i], c.Others[i].Object)).ToList());
        }).ToList();
        return new Baseline(relations, session.PerplexityBefore(fluencyTokens), session.Text?.Fluency);
    }

    public static (EditMetrics Metrics, IReadOnlyList<EditOutcome> Outcomes) Measure(LanguageModel edited, IReadOnlyList<PlannedEdit> edits,
        Baseline before, long fluencyTokens)
    {
        var outcomes = Outcomes(edited, edits, null);
        var editedRelations = edits.Select(e => e.Relation).ToHashSet();
        int specKnown = 0, specKept = 0, allKnown = 0, allKept = 0;
        foreach (var (ctx, known) in before.Relations)
        {
            if (known.Count == 0) continue;
            var prompts = known.Select(i => ctx.Prompt(edited, ctx.Others[i].Subject)).ToList();
            using var states = PromptStates.Read(edited, prompts, [], topK: 1);
            int kept = KnownFacts.Indices(edited, states, known.Select(i => ctx.Others[i]).ToList()).Count;
            allKnown += known.Count; allKept += kept;
            if (editedRelations.Contains(ctx.Relation.Name)) { specKnown += known.Count; specKept += kept; }
        }
        int paraphrases = outcomes.Sum(o => o.Paraphrases);
        var metrics = new EditMetrics(
            outcomes.Count(o => o.Success) / (double)outcomes.Count,
            paraphrases == 0 ? null : outcomes.Sum(o => o.ParaphrasesHit) / (double)paraphrases,
            specKnown == 0 ? null : specKept / (double)specKnown,
            allKnown == 0 ? null : allKept / (double)allKnown,
            before.Perplexity,
            before.FluencyText is null ? null : Perplexity.Measure(edited, before.FluencyText, fluencyTokens),
            edits.Count, specKnown, allKnown);
        return (metrics, outcomes);
    }

    /// <summary>
    /// The paper's representation edit, the reference row: Δh added on the fly at the edit's layer on the unedited
    /// model, on the n-shot prompt and the paraphrases. Nothing persists, so nothing else can change.
    /// </summary>
    public static IReadOnlyList<EditOutcome> RepresentationEdit(LanguageModel lm, IReadOnlyList<PlannedEdit> edits) => Outcomes(lm, edits, addDelta: true);

    /// <summary>
    /// Every edit's n-shot prompt and paraphrases, read in batches of one prompt kind of one relation (the edit prompts
    /// of a relation share their shots, so the shared start is computed once per batch).
    /// </summary>
    private static List<EditOutcome> Outcomes(LanguageModel lm, IReadOnlyList<PlannedEdit> edits, bool? addDelta)
    {
        var prompts = edits.Select(e => (IReadOnlyList<SubjectPrompt>)[e.Context.Prompt(lm, e.Subject), .. e.Context.ParaphrasePrompts(lm, e.Subject)]).ToList();
        var answers = prompts.Select(p => new string[p.Count]).ToArray();
        var slots = edits.SelectMany((e, i) => Enumerable.Range(0, prompts[i].Count).Select(j => (Edit: i, Kind: j)))
            .GroupBy(x => (edits[x.Edit].Relation, x.Kind));
        foreach (var group in slots)
        {
            var members = group.ToList();
            var top = Top1(lm, members.Select(x => prompts[x.Edit][x.Kind]).ToList(), addDelta == true ? members.Select(x => edits[x.Edit]).ToList() : null);
            for (int k = 0; k < members.Count; k++) answers[members[k].Edit][members[k].Kind] = top[k];
        }
        var result = new List<EditOutcome>();
        for (int i = 0; i < edits.Count; i++)
        {
            var e = edits[i];
            bool Hit(int j) => PrefixMatch.IsNontrivialPrefix(answers[i][j], e.NewObject);
            result.Add(new EditOutcome(e.Subject, e.Relation, e.OldObject, e.NewObject, answers[i][0].Trim(), Hit(0),
                Enumerable.Range(1, prompts[i].Count - 1).Count(Hit), prompts[i].Count - 1));
        }
        return result;
    }

    /// <summary>Top-1 tokens of <paramref name="prompts"/>; with <paramref name="withDelta"/> (one edit per prompt, all at
    /// one layer: a relation's edits share it) each prompt's subject state gets its edit's Δh added.</summary>
    private static string[] Top1(LanguageModel lm, IReadOnlyList<SubjectPrompt> prompts, IReadOnlyList<PlannedEdit>? withDelta)
    {
        if (withDelta is null)
        {
            using var states = PromptStates.Read(lm, prompts, [], topK: 1);
            return states.LmTopIds.Select(t => lm.Tokenizer.Decode(t[0])).ToArray();
        }
        using var scope = torch.NewDisposeScope();
        var layer = withDelta[0].Layer;
        if (withDelta.Any(e => e.Layer != layer)) throw new InvalidOperationException("one representation-edit batch spans two layers");
        var delta = torch.tensor(withDelta.SelectMany(e => e.Delta).ToArray(), [withDelta.Count, withDelta[0].Delta.Length]);
        return SubjectEdits.Top1(lm, prompts, layer, delta, SubjectEdits.Mode.Add).Select(id => lm.Tokenizer.Decode(id)).ToArray();
    }
}
