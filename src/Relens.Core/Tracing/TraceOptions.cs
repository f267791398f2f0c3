namespace Relens.Tracing;

/// <summary>The knobs of causal tracing and attention knockout, with the papers' defaults.</summary>
public sealed record TraceOptions
{
    /// <summary>Noise samples per corrupted run (ROME: 10).</summary>
    public int Samples { get; init; } = 10;

    /// <summary>σ = NoiseFactor × std of the token embeddings over the vocabulary (ROME: 3).</summary>
    public double NoiseFactor { get; init; } = 3;

    /// <summary>An explicit σ instead of NoiseFactor × std (0 = no corruption; tests use it).</summary>
    public double? Noise { get; init; }

    /// <summary>Seed of the noise; the same prompt gets the same noise in every kind and every batch layout.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Layers of MLP or attention outputs restored together (ROME: 10), clamped at the ends.</summary>
    public int Window { get; init; } = 10;

    /// <summary>Layers whose attention is knocked out together around each layer (Geva et al.: 9), clamped.</summary>
    public int KnockoutWindow { get; init; } = 9;

    /// <summary>Also run the tokens before the subject (their restorations equal the corrupted run by causality,
    /// so by default they are not run and their rows hold the corrupted probability).</summary>
    public bool AllTokens { get; init; }

    /// <summary>Activation memory one batched forward pass may use; sizes how many restorations share a pass.</summary>
    public long MemoryBudgetBytes { get; init; } = 256L << 20;

    /// <summary>At most this many restorations (each <see cref="Samples"/> rows) per forward pass; 1 = ROME's
    /// one-restoration-per-pass; null = as many as <see cref="MemoryBudgetBytes"/> allows.</summary>
    public int? MaxCellsPerForward { get; init; }

    /// <summary>The papers' windows (10 and 9) are for models of 28–48 layers: the ones not given are clamped to a
    /// smaller model's layer count (`relens trace` and `relens run --trace` share this rule).</summary>
    public TraceOptions ClampWindows(int numLayers, bool windowGiven, bool knockoutWindowGiven) => this with
    {
        Window = windowGiven ? Window : Math.Min(Window, numLayers),
        KnockoutWindow = knockoutWindowGiven ? KnockoutWindow : Math.Min(KnockoutWindow, numLayers),
    };

    /// <summary>Clear errors for settings that cannot work on a model of <paramref name="numLayers"/> layers.</summary>
    public void Validate(int numLayers)
    {
        if (Samples < 1) throw new RelensException($"--samples must be at least 1, got {Samples}");
        if (!double.IsFinite(NoiseFactor) || NoiseFactor < 0) throw new RelensException($"--noise-factor must be a finite number ≥ 0, got {NoiseFactor}");
        if (Noise is { } n && (!double.IsFinite(n) || n < 0)) throw new RelensException($"--noise must be a finite number ≥ 0, got {n}");
        if (Window < 1) throw new RelensException($"--window must be at least 1, got {Window}");
        if (Window > numLayers) throw new RelensException($"--window {Window} is larger than the model ({numLayers} layers)");
        if (KnockoutWindow < 1) throw new RelensException($"--knockout-window (k) must be at least 1, got {KnockoutWindow}");
        if (KnockoutWindow > numLayers) throw new RelensException($"--knockout-window {KnockoutWindow} is larger than the model ({numLayers} layers)");
        if (MaxCellsPerForward is < 1) throw new RelensException($"--batch must be at least 1, got {MaxCellsPerForward}");
        if (MemoryBudgetBytes < 1) throw new RelensException("the trace memory budget must be positive");
    }
}
