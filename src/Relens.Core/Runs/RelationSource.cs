using Relens.Relations;

namespace Relens.Runs;

/// <summary>The --relation argument: a relation JSON file, or a name / file stem in the relations folder.</summary>
public static class RelationSource
{
    public static Relation Resolve(string fileOrName, string? relationsDirectory)
    {
        if (File.Exists(fileOrName)) return RelationLoader.LoadFile(fileOrName);
        if (fileOrName.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || fileOrName.Contains('/') || fileOrName.Contains('\\'))
            throw RelensException.InFile(Path.GetFullPath(fileOrName), "relation file not found");
        return RelationDataset.Load(RelationDataRoot.Resolve(relationsDirectory)).Find(fileOrName);
    }
}
