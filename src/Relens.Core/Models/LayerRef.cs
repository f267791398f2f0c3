using System.Globalization;
using Relens.Models.Hooks;

namespace Relens.Models;

/// <summary>
/// A place to read h: "emb" (the token-embedding output, before GPT-2's position embedding) or block ℓ's
/// output, numbered from 0 (LRE-METHOD §0; HF hidden_states[ℓ+1], TransformerLens blocks.ℓ.hook_resid_post).
/// Written "emb" or "ℓ", as in the paper's hparams files and sweep records.
/// </summary>
/// <param name="Block">The block index, or null for the embedding output (so default is "emb").</param>
public readonly record struct LayerRef(int? Block)
{
    public const string EmbeddingName = "emb";

    public static LayerRef Embedding => new(null);
    public static LayerRef At(int block) =>
        block >= 0 ? new(block) : throw new ArgumentOutOfRangeException(nameof(block), block, "block index must be ≥ 0");

    public bool IsEmbedding => Block is null;

    /// <summary>The hook whose activation is h.</summary>
    public string HookName => Block is { } b ? HookNames.ResidPost(b) : HookNames.Embed;

    /// <summary>The first block that runs after h.</summary>
    public int NextBlock => Block is { } b ? b + 1 : 0;

    /// <summary>emb, 0..L−1.</summary>
    public static IEnumerable<LayerRef> All(int numLayers) => new[] { Embedding }.Concat(Enumerable.Range(0, numLayers).Select(At));

    public void Validate(TransformerLM model)
    {
        if (Block >= model.NumLayers)
            throw new RelensException($"layer {Block} does not exist: the model has {model.NumLayers} blocks (layers 0..{model.NumLayers - 1} and 'emb')");
    }

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
