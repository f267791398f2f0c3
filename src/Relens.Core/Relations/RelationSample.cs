namespace Relens.Relations;

/// <summary>One (subject, object) fact of a relation, e.g. ("France", "Paris").</summary>
public sealed record RelationSample(string Subject, string Object)
{
    public override string ToString() => $"{Subject} -> {Object}";
}
