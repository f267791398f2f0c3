namespace Relens.Tracing;

/// <summary>The layers restored or knocked out "around" a layer, as both papers' code picks them.</summary>
public static class LayerWindow
{
    /// <summary>range(max(0, ℓ − w//2), min(L, ℓ − (−w//2))): w layers starting w//2 before ℓ, clamped at both ends
    /// (ROME's trace_important_window; Geva et al.'s knockout uses the same rule).</summary>
    public static IReadOnlyList<int> Around(int layer, int window, int numLayers)
    {
        int from = Math.Max(0, layer - window / 2);
        int to = Math.Min(numLayers, layer + (window + 1) / 2);   // −(−w // 2) = ⌈w/2⌉
        return Enumerable.Range(from, to - from).ToArray();
    }

    /// <summary>Every layer ≥ ℓ (knockout "from layer ℓ on").</summary>
    public static IReadOnlyList<int> FromOn(int layer, int numLayers) => Enumerable.Range(layer, numLayers - layer).ToArray();
}
