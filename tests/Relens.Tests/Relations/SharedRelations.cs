using Relens.Relations;

namespace Relens.Tests.Relations;

/// <summary>The paper's dataset from ../shared/relations, loaded once for all tests.</summary>
internal static class SharedRelations
{
    private static readonly Lazy<RelationDataset> Lazy = new(() => RelationDataset.Load(TestPaths.Relations));
    public static RelationDataset Dataset => Lazy.Value;
    public static Relation Get(string name) => Dataset.Find(name);
}
