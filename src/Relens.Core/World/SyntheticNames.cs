namespace Relens.World;

/// <summary>
/// Pronounceable invented names ("Varek", "Tolimo"): one word each, all distinct, none equal to a word
/// used elsewhere in the world, so that after BPE each name is (mostly) a token of its own that no other
/// entity shares.
/// </summary>
public static class SyntheticNames
{
    private static readonly string[] Onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "st", "th", "sh"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u"];
    private static readonly string[] Codas = ["", "", "n", "r", "l", "s", "k"];

    public static IReadOnlyList<string> Make(int count, Random rng, ISet<string> forbidden)
    {
        var names = new List<string>(count);
        var used = new HashSet<string>(forbidden, StringComparer.OrdinalIgnoreCase);
        for (int attempts = 0; names.Count < count; attempts++)
        {
            if (attempts > count * 1000) throw new RelensException($"could not invent {count} distinct names");
            int syllables = 2 + rng.Next(2);
            var s = new System.Text.StringBuilder();
            for (int i = 0; i < syllables; i++)
                s.Append(Onsets[rng.Next(Onsets.Length)]).Append(Vowels[rng.Next(Vowels.Length)]);
            s.Append(Codas[rng.Next(Codas.Length)]);
            string name = char.ToUpperInvariant(s[0]) + s.ToString(1, s.Length - 1);
            if (used.Add(name)) names.Add(name);
        }
        return names;
    }
}
