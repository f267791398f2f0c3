namespace Relens.Quantization;

/// <summary>What `--quantize` asked for: the scheme of the blocks' linear weights, and whether the token/position
/// embeddings and an untied unembedding are quantised too (`--quantize-embeddings`).</summary>
public sealed record QuantizeOptions(QuantScheme Scheme, bool Embeddings = false)
{
    public string Describe() => Scheme.Name() + (Embeddings ? " (embeddings too)" : "");
}
