namespace Relens.Quantization;

/// <summary>What `--quantize` asked for: the scheme of the blocks' linear weights, and whether the token/position
/// embeddings and an untied unembedding are quantised too (`--quantize-embeddings`).</summary>
public sealed record QuantizeOptions(QuantScheme Scheme, bool Embeddings = false)
{
    private const string EmbeddingsNote = " (embeddings too)";

    /// <summary>As run.json records it: "q4_0", "nf4 (embeddings too)".</summary>
    public string Describe() => Scheme.Name() + (Embeddings ? EmbeddingsNote : "");

    /// <summary>The inverse of <see cref="Describe"/>.</summary>
    public static QuantizeOptions FromDescription(string text) =>
        new(QuantSchemes.Parse(text.EndsWith(EmbeddingsNote, StringComparison.Ordinal) ? text[..^EmbeddingsNote.Length] : text, "run.json quantization"),
            text.EndsWith(EmbeddingsNote, StringComparison.Ordinal));
}
