using System.Globalization;

namespace Relens.Relations;

/// <summary>
/// A place to read h: "emb" (the token-embedding output) or block ℓ's output, numbered from 0
/// (LRE-METHOD §0). Written "emb" or "ℓ", as in the paper's hparams files and sweep records.
/// </summary>
/// <param name="Block">The block index, or null for the embedding output (so default is "emb").</param>
public readonly record struct LayerRef(int? Block)
{
    public const string EmbeddingName = "emb";

    public static LayerRef Embedding => new(null);
    public static LayerRef At(int block) =>
        block >= 0 ? new(block) : throw new ArgumentOutOfRangeException(nameof(block), block, "block index must be ≥ 0");

    public bool IsEmbedding => Block is null;

    public override string ToString() => Block?.ToString(CultureInfo.InvariantCulture) ?? EmbeddingName;

    public static bool TryParse(string? text, out LayerRef layer)
    {
        layer = default;
        if (text is null) return false;
        text = text.Trim();
        if (text == EmbeddingName) return true;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int b)) { layer = new(b); return true; }
        return false;
    }

    public static LayerRef Parse(string text) =>
        TryParse(text, out var l) ? l : throw new RelensException($"'{text}' is not a layer: expected \"emb\" or a block number ≥ 0");
}
