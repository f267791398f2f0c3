using System.Globalization;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>The --ranks option of `relens eval`: a comma list of ranks ρ, "full" for d, or nothing for the sweep's grid.</summary>
public static class RankSpec
{
    public static IReadOnlyList<int> Parse(string? text, int d)
    {
        if (string.IsNullOrWhiteSpace(text)) return new SweepSettings().RanksFor(d);
        var ranks = new List<int>();
        foreach (var item in text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int rank = item == "full" ? d
                : int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int r) ? r
                : throw new RelensException($"--ranks: '{item}' is not a rank; expected a list like 0,8,64 or 'full'");
            if (rank > d) throw new RelensException($"--ranks: rank {rank} is larger than d = {d} (the LRE's W is {d}×{d})");
            ranks.Add(rank);
        }
        return ranks.Distinct().Order().ToList();
    }
}
