namespace Relens.Relations;

/// <summary>
/// The "properties" block of a relation file. Every field is optional so that users can write
/// their own relation files without it; the paper's files always carry all four.
/// </summary>
public sealed record RelationProperties(string? RelationType, string? DomainName, string? RangeName, bool Symmetric)
{
    public static RelationProperties None { get; } = new(null, null, null, false);
}
