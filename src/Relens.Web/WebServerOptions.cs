namespace Relens.Web;

/// <summary>What `relens serve` was asked for. Limits have defaults sized for an interactive viewer.</summary>
public sealed record WebServerOptions
{
    /// <summary>A `relens run` output folder (run.json, summary.json, results.jsonl, lres/).</summary>
    public required string ResultsDirectory { get; init; }

    /// <summary>The model for the lens; null = run.json's model_directory.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>`--quantize`: how the lens's model is quantised at load; null = as the run was (run.json's quantization),
    /// so the saved LREs are applied to the weights they were estimated on.</summary>
    public Relens.Quantization.QuantizeOptions? Quantization { get; init; }

    /// <summary>Loopback by default: the viewer has no authentication, so exposing it is an explicit choice.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 = any free port (tests).</summary>
    public int Port { get; init; } = 8765;

    /// <summary>libtorch intra-op threads; null leaves libtorch's default.</summary>
    public int? Threads { get; init; }

    public int MaxPromptChars { get; init; } = 2_000;

    /// <summary>The lens decodes every (layer, token) cell over the whole vocabulary at once, so its memory
    /// grows with layers × tokens × vocabulary: this bounds one request's cost.</summary>
    public int MaxPromptTokens { get; init; } = 128;

    public int MaxTopK { get; init; } = 20;

    public long MaxBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Saved LREs kept loaded (d×d floats each: 64 MB for GPT-J), least recently used evicted.</summary>
    public int LreCacheSize { get; init; } = 4;

    /// <summary>Console log level: Warning shows unexpected errors (with their stack traces, which clients never see).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Warning;
}
