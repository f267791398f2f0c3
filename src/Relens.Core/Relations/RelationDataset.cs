using System.Collections;

namespace Relens.Relations;

/// <summary>All relations under a data folder (the paper's data/: one subfolder per category).</summary>
public sealed class RelationDataset : IReadOnlyList<Relation>
{
    /// <summary>Subfolder of the data root that holds per-model hyperparameters, not relations.</summary>
    public const string HparamsFolder = "hparams";

    private RelationDataset(string root, IReadOnlyList<Relation> relations)
    {
        Root = root;
        Relations = relations;
    }

    /// <summary>The folder the relations were loaded from.</summary>
    public string Root { get; }

    /// <summary>Relations in the paper's order: sorted by path relative to <see cref="Root"/>.</summary>
    public IReadOnlyList<Relation> Relations { get; }

    public int Count => Relations.Count;
    public Relation this[int index] => Relations[index];
    public IEnumerator<Relation> GetEnumerator() => Relations.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Loads every *.json below the category subfolders of <paramref name="folder"/> (recursively,
    /// skipping <see cref="HparamsFolder"/>); a relation's category is the name of the subfolder
    /// directly under <paramref name="folder"/>. JSON files lying directly in <paramref name="folder"/>
    /// get the folder's own name as category, so pointing at one category folder also works.
    /// Then marks relations that share their (domain_name, range_name) pair with another as disambiguating.
    /// </summary>
    public static RelationDataset Load(string folder)
    {
        var (dataset, broken) = LoadEach(folder);
        if (broken.Count > 0) throw broken[0];
        return dataset;
    }

    /// <summary>
    /// As <see cref="Load"/>, but a file that cannot be read as a relation (not JSON, missing fields) is
    /// returned as its error instead of stopping the load, so a long run can go on with the other relations.
    /// Still throws when the folder is missing, holds no relation file, or no file at all could be read.
    /// </summary>
    public static (RelationDataset Dataset, IReadOnlyList<RelensException> Broken) LoadEach(string folder)
    {
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder)) throw RelensException.InFile(folder, "relation folder not found");

        var files = FindRelationFiles(folder);
        if (files.Count == 0)
            throw RelensException.InFile(folder, "no relation files (*.json) in this folder or its category subfolders");

        var relations = new List<Relation>();
        var broken = new List<RelensException>();
        foreach (var f in files)
        {
            try { relations.Add(RelationLoader.LoadFile(f.Path, f.Category)); }
            catch (RelensException e) { broken.Add(e.Path is null ? new RelensException(e.Message, e) { Path = f.Path } : e); }
        }
        if (relations.Count == 0) throw broken[0];
        CheckUniqueNames(relations);
        return (new RelationDataset(folder, MarkDisambiguating(relations)), broken);
    }

    /// <summary>Relation files under <paramref name="folder"/>, sorted as the paper sorts its glob.</summary>
    internal static List<(string Path, string Category)> FindRelationFiles(string folder)
    {
        var files = new List<(string Path, string Category)>();
        string ownName = new DirectoryInfo(folder).Name;
        foreach (var f in Directory.EnumerateFiles(folder, "*.json", SearchOption.TopDirectoryOnly))
            files.Add((f, ownName));
        foreach (var dir in Directory.EnumerateDirectories(folder))
        {
            string category = Path.GetFileName(dir);
            if (category == HparamsFolder || category.StartsWith('.')) continue;
            foreach (var f in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories))
                files.Add((f, category));
        }
        // Python sorts Path objects part by part, not as whole strings ("a/b" < "a-b/c").
        return files
            .OrderBy(f => Path.GetRelativePath(folder, f.Path).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar),
                     Comparer<string[]>.Create(CompareParts))
            .ToList();
    }

    private static int CompareParts(string[] a, string[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (string.CompareOrdinal(a[i], b[i]) is var c && c != 0) return c;
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>
    /// The relation named <paramref name="nameOrStem"/>: its name ("country capital city") or its
    /// file stem ("country_capital_city"), compared without regard to case or to ' ', '_' and '-'.
    /// Throws a <see cref="RelensException"/> listing close matches if there is none.
    /// </summary>
    public Relation Find(string nameOrStem)
    {
        if (TryFind(nameOrStem, out var relation)) return relation;
        var names = Relations.Select(r => r.Name)
            .Concat(Relations.Where(r => r.SourceFile is not null).Select(r => Path.GetFileNameWithoutExtension(r.SourceFile!)));
        var near = NameMatching.Closest(nameOrStem, names, 5);
        throw new RelensException(
            $"no relation named '{nameOrStem}' in {Root}"
            + (near.Count > 0 ? $"; did you mean {string.Join(", ", near.Select(n => $"'{n}'"))}?"
                              : $"; {Relations.Count} relations are available (e.g. '{Relations[0].Name}')"));
    }

    /// <summary>The same dataset with some relations' samples replaced (e.g. narrowed to the facts a model was taught).</summary>
    public RelationDataset WithRelations(Func<Relation, Relation> map) => new(Root, Relations.Select(map).ToList());

    public bool TryFind(string nameOrStem, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Relation? relation)
    {
        // Exact name first, so a relation can never be shadowed by another's loose match.
        relation = Relations.FirstOrDefault(r => r.Name == nameOrStem);
        if (relation is not null) return true;

        string key = NameMatching.Normalize(nameOrStem);
        var matches = Relations.Where(r =>
                NameMatching.Normalize(r.Name) == key
                || (r.SourceFile is not null && NameMatching.Normalize(Path.GetFileNameWithoutExtension(r.SourceFile)) == key))
            .ToList();
        if (matches.Count > 1)
            throw new RelensException(
                $"'{nameOrStem}' matches several relations: {string.Join(", ", matches.Select(m => $"'{m.Name}' ({m.SourceFile})"))}");
        relation = matches.SingleOrDefault();
        return relation is not null;
    }

    private static void CheckUniqueNames(List<Relation> relations)
    {
        foreach (var g in relations.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            throw RelensException.InFile(g.Skip(1).First().SourceFile!,
                $"relation name '{g.Key}' is already used by {g.First().SourceFile}");
    }

    private static List<Relation> MarkDisambiguating(List<Relation> relations)
    {
        // Relations without domain/range names cannot be compared and are never disambiguating.
        var pairCounts = relations
            .Where(r => r.Properties.DomainName is not null && r.Properties.RangeName is not null)
            .GroupBy(r => (r.Properties.DomainName, r.Properties.RangeName))
            .ToDictionary(g => g.Key, g => g.Count());
        return relations
            .Select(r => r with
            {
                Disambiguating = pairCounts.TryGetValue((r.Properties.DomainName, r.Properties.RangeName), out int n) && n > 1,
            })
            .ToList();
    }
}
