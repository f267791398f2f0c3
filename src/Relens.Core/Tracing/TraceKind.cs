namespace Relens.Tracing;

/// <summary>What a trace measures: restoring one hidden state (state), a window of MLP or attention outputs
/// (mlp, attn; causal tracing, Meng et al. 2022), or blocking attention edges (knockout; Geva et al. 2023).</summary>
public enum TraceKind { State, Mlp, Attn, Knockout }

public static class TraceKinds
{
    public static readonly TraceKind[] All = [TraceKind.State, TraceKind.Mlp, TraceKind.Attn, TraceKind.Knockout];

    public static string Name(this TraceKind kind) => kind.ToString().ToLowerInvariant();

    public static TraceKind Parse(string text)
    {
        foreach (var k in All)
            if (k.Name() == text.Trim().ToLowerInvariant()) return k;
        throw new RelensException($"--kind: '{text}' is not a trace kind; expected state, mlp, attn, knockout or all");
    }

    /// <summary>"state,knockout" or "all" (or null) → kinds in canonical order.</summary>
    public static IReadOnlyList<TraceKind> ParseList(string? text)
    {
        if (text is null || text.Trim() == "all") return All;
        var kinds = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToHashSet();
        return kinds.Count > 0 ? All.Where(kinds.Contains).ToArray() : throw new RelensException("--kind needs at least one kind");
    }
}
