namespace Relens.Editing;

/// <summary>One requested edit: make <see cref="Subject"/>'s <see cref="Relation"/> answer <see cref="NewObject"/>.</summary>
/// <param name="Source">Where it came from ("edits.tsv line 3"), for error messages.</param>
public sealed record EditRequest(string Subject, string Relation, string NewObject, string Source)
{
    public override string ToString() => $"{Source}: {Subject} —{Relation}→ {NewObject}";
}
