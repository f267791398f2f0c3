namespace Relens.Relations;

/// <summary>How subjects map to objects, read off the samples (the paper's <c>get_relation_fn_type</c>).</summary>
public enum RelationFnType { OneToOne, OneToMany, ManyToOne, ManyToMany }

public static class RelationFnTypes
{
    /// <summary>
    /// 1:N if some subject has more than one distinct object; N:1 if some object has more than one
    /// distinct subject; N:N if both. Repeated identical pairs count once, as in the paper's sets.
    /// </summary>
    public static RelationFnType Of(IEnumerable<RelationSample> samples)
    {
        var objectsBySubject = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var subjectsByObject = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var s in samples)
        {
            Add(objectsBySubject, s.Subject, s.Object);
            Add(subjectsByObject, s.Object, s.Subject);
        }
        bool oneToMany = objectsBySubject.Values.Any(v => v.Count > 1);
        bool manyToOne = subjectsByObject.Values.Any(v => v.Count > 1);
        return (oneToMany, manyToOne) switch
        {
            (true, true) => RelationFnType.ManyToMany,
            (true, false) => RelationFnType.OneToMany,
            (false, true) => RelationFnType.ManyToOne,
            _ => RelationFnType.OneToOne,
        };
    }

    /// <summary>"1:1", "1:N", "N:1" or "N:N", as the paper writes it.</summary>
    public static string ToShortString(this RelationFnType t) => t switch
    {
        RelationFnType.OneToOne => "1:1",
        RelationFnType.OneToMany => "1:N",
        RelationFnType.ManyToOne => "N:1",
        _ => "N:N",
    };

    private static void Add(Dictionary<string, HashSet<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var set)) map[key] = set = new HashSet<string>(StringComparer.Ordinal);
        set.Add(value);
    }
}
