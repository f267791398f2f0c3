using System.Diagnostics;
using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Sweeps;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>
/// Turns edit requests into target state changes, with the causality test's rule: per relation an LRE at layer ℓ
/// (the paper's estimator on the context's shots), z′ = the mean z of the model's known unedited subjects whose
/// object is o′ (the unedited test facts', else the shots'), and Δh = W⁺_ρ(z′ − z) at the relation's best rank (or --rank). Every input problem is found
/// here, before any weight changes, and named by its TSV line.
/// </summary>
public static class EditPlanner
{
    public static EditPlan Plan(LanguageModel lm, RelationDataset dataset, IReadOnlyList<EditRequest> edits, EditOptions o, Action<string>? log = null) =>
        Plan(lm, dataset.Relations, edits, o, log);

    public static EditPlan Plan(LanguageModel lm, IReadOnlyList<Relation> dataset, IReadOnlyList<EditRequest> edits, EditOptions o, Action<string>? log = null)
    {
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        if (o.Shots < 1) throw new RelensException($"--shots must be at least 1, got {o.Shots}");
        if (o.Rank is { } rk && (rk < 0 || rk > lm.Model.HiddenSize))
            throw new RelensException($"--rank {rk} is out of range 0..{lm.Model.HiddenSize} (d of the model)");
        o.Layer?.Validate(lm.Model);
        var groups = new List<(Relation Relation, List<(EditRequest Edit, RelationSample Sample)> Edits)>();
        foreach (var e in edits)
        {
            var relation = dataset.FirstOrDefault(r => r.Name == e.Relation) ?? dataset.FirstOrDefault(r => r.Name.Equals(e.Relation, StringComparison.OrdinalIgnoreCase))
                ?? dataset.FirstOrDefault(r => r.SourceFile is not null && Path.GetFileNameWithoutExtension(r.SourceFile) == e.Relation)
                ?? throw new RelensException($"{e.Source}: unknown relation '{e.Relation}'; known: {string.Join(", ", dataset.Select(r => r.Name))}");
            var sample = relation.Samples.FirstOrDefault(s => s.Subject == e.Subject)
                ?? throw new RelensException($"{e.Source}: '{e.Subject}' is not a subject of relation '{relation.Name}' (its {relation.Samples.Count} facts)");
            if (PrefixMatch.Normalize(sample.Object) == PrefixMatch.Normalize(e.NewObject))
                throw new RelensException($"{e.Source}: '{e.NewObject}' is already the object of '{e.Subject}' in '{relation.Name}': nothing to edit");
            var group = groups.FirstOrDefault(g => g.Relation.Name == relation.Name);
            if (group.Relation is null) groups.Add(group = (relation, []));
            if (group.Edits.Any(x => x.Edit.Subject == e.Subject))
                throw new RelensException($"{e.Source}: '{e.Subject}' / '{relation.Name}' is edited twice");
            group.Edits.Add((e, sample));
        }
        var planned = new List<PlannedEdit>();
        var relations = new List<RelationPlan>();
        foreach (var (relation, group) in groups)
        {
            var (edited, plan) = PlanRelation(lm, relation, group, o);
            planned.AddRange(edited);
            relations.Add(plan);
            log($"{relation.Name}: {group.Count} edit(s) at layer {plan.Layer}, rank {plan.Rank} (LRE causality {plan.Causality:0.00} on {plan.KnownFacts} known facts)");
            // rank 0 is chosen when no rank moves any known fact (the lower rank wins a tie): W⁺ of rank 0 is zero
            if (plan.Rank == 0)
                log($"warning: {relation.Name}: rank 0 ({(o.Rank == 0 ? "--rank 0" : $"LRE causality {plan.Causality:0.00} at every rank and layer tried")}), " +
                    $"so Δh = 0 and its {group.Count} edit(s) change nothing; give --rank or --layer to force another");
        }
        // in request order
        var order = edits.Select((e, i) => (e, i)).ToDictionary(x => x.e, x => x.i);
        return new EditPlan(planned.OrderBy(p => order[p.Request]).ToList(), relations, clock.Elapsed.TotalSeconds);
    }

    private static (List<PlannedEdit>, RelationPlan) PlanRelation(LanguageModel lm, Relation relation,
        List<(EditRequest Edit, RelationSample Sample)> group, EditOptions o)
    {
        using var scope = torch.NewDisposeScope();
        string first = group[0].Edit.Source;
        var ctx = RelationContext.Create(lm, relation, group.Select(g => g.Edit.Subject).ToHashSet(), o.Shots, o.Seed, first);
        var layers = o.Layer is { } l ? new List<LayerRef> { l } : LayerRef.All(lm.Model.NumLayers).ToList();
        var otherPrompts = ctx.OtherPrompts(lm);
        using var others = PromptStates.Read(lm, otherPrompts, []);
        var editPrompts = group.Select(g => ctx.Prompt(lm, g.Edit.Subject)).ToList();
        using var editStates = PromptStates.Read(lm, editPrompts, []);

        // the sweep's rule: an LRE is measured only when more than n of the test facts are known
        var knownFacts = KnownTestFacts.Select(lm, others, ctx.Others, otherPrompts);
        var known = knownFacts.Indices;
        int minKnown = new SweepSettings { Shots = o.Shots }.MinKnownFor();
        if (known.Count < minKnown)
            throw new RelensException($"{first}: relation '{relation.Name}': the model knows only {known.Count} of its {ctx.Others.Count} unedited test facts "
                + $"under the {o.Shots}-shot prompt; an LRE needs at least {minKnown} (the sweep's rule) to be estimated and checked");
        // z′ comes from the known unedited test facts with object o′, or else from the shots (whose prompt then holds
        // their own example line, so the model reads the object off it): a 1:1 relation's o′ may belong to a shot only
        var shotPrompts = ctx.Shots.Select(x => ctx.Prompt(lm, x.Subject)).ToList();
        using var shots = PromptStates.Read(lm, shotPrompts, []);
        var knownShots = KnownFacts.Indices(lm, shots, ctx.Shots);
        var targets = new List<List<(Tensor Z, string Subject)>>();
        for (int i = 0; i < group.Count; i++)
        {
            var (e, _) = group[i];
            string current = lm.Tokenizer.Decode(editStates.LmTopIds[i][0]);
            if (PrefixMatch.IsNontrivialPrefix(current, e.NewObject))
                throw new RelensException($"{e.Source}: the model already answers '{current.Trim()}' for '{e.Subject}', a prefix of the new object '{e.NewObject}': nothing to edit");
            var t = known.Where(j => string.Equals(ctx.Others[j].Object, e.NewObject, StringComparison.OrdinalIgnoreCase)).ToList();
            var s = knownShots.Where(j => string.Equals(ctx.Shots[j].Object, e.NewObject, StringComparison.OrdinalIgnoreCase)).ToList();
            if (t.Count == 0 && s.Count == 0)
                throw new RelensException($"{e.Source}: no unedited subject of '{relation.Name}' that the model knows has the object '{e.NewObject}'; "
                    + "the LRE edit takes z′ from such a subject (as the causality test does). Objects it knows there: "
                    + string.Join(", ", known.Select(j => ctx.Others[j].Object).Distinct().Take(20)));
            targets.Add([.. t.Select(j => (others.Z[j], ctx.Others[j].Subject)), .. s.Select(j => (shots.Z[j], ctx.Shots[j].Subject))]);
        }

        // the sweep's rules for the rank (one implementation: Evaluation/KnownTestFacts)
        var knownSamples = knownFacts.Samples;
        var zKnown = knownFacts.Rows(others.Z);
        var pairs = knownFacts.EditPairs(o.Seed * 7919);
        if (pairs.Count == 0 && o.Rank is null)
            throw new RelensException($"{first}: relation '{relation.Name}': its known facts all share one object, so no rank can be chosen by causality; give --rank");

        var lres = LreEstimator.EstimateLayers(lm, relation.Name, relation.PromptTemplate, ctx.Shots, layers, o.Beta);
        try
        {
            int d = lm.Model.HiddenSize;
            var ranks = o.Rank is { } r ? [r] : new SweepSettings().RanksFor(d);
            var byLayer = new Dictionary<string, double>();
            (LinearRelation Lre, int Rank, double Efficacy)? best = null;
            foreach (var lre in lres)
            {
                using var causality = new Causality(lre);
                var result = pairs.Count == 0 ? new CausalityResult("LRE", ranks[0], double.NaN, [])
                    : KnownTestFacts.BestRank(causality.Evaluate(lm, knownFacts.Prompts, knownSamples, zKnown, pairs, ranks))!;
                byLayer[lre.Layer.ToString()] = result.Efficacy;
                if (best is null || result.Efficacy > best.Value.Efficacy) best = (lre, result.Rank, result.Efficacy);
            }
            var (chosen, rank, efficacy) = best!.Value;
            using var cz = new Causality(chosen);
            var pinv = cz.PseudoInverse(rank);
            var edits = new List<PlannedEdit>();
            for (int i = 0; i < group.Count; i++)
            {
                var (e, sample) = group[i];
                var zTarget = torch.stack(targets[i].Select(x => x.Z).ToArray()).mean([0]);
                var delta = torch.matmul(pinv, zTarget - editStates.Z[i]);
                edits.Add(new PlannedEdit(e, ctx, sample.Object, lm.Tokenizer.Decode(editStates.LmTopIds[i][0]).Trim(), chosen.Layer, rank,
                    delta.data<float>().ToArray(), targets[i].Select(x => x.Subject).ToList()));
            }
            return (edits, new RelationPlan(relation.Name, chosen.Layer, rank, efficacy, known.Count, ctx.Others.Count, byLayer));
        }
        finally
        {
            foreach (var lre in lres) lre.Dispose();
        }
    }
}
