using Relens.Models;
using Relens.Relations;

namespace Relens.Editing;

/// <summary>One edit, resolved: its context, the model's current answer and the target change Δh of the subject's
/// last-token state at <see cref="Layer"/> (Δh = W⁺_ρ(z′ − z), float32).</summary>
public sealed record PlannedEdit(EditRequest Request, RelationContext Context, string OldObject, string CurrentAnswer,
    LayerRef Layer, int Rank, float[] Delta, IReadOnlyList<string> TargetSubjects)
{
    public string Subject => Request.Subject;
    public string NewObject => Request.NewObject;
    public string Relation => Context.Relation.Name;
}

/// <summary>What was decided for one relation: the layer and rank, and the LRE's causality there on the relation's
/// known unedited facts (the run's metric: the share of representation edits that flip the answer).</summary>
public sealed record RelationPlan(string Relation, LayerRef Layer, int Rank, double Causality, int KnownFacts, int OtherFacts,
    IReadOnlyDictionary<string, double> CausalityByLayer);

public sealed record EditPlan(IReadOnlyList<PlannedEdit> Edits, IReadOnlyList<RelationPlan> Relations, double Seconds);
