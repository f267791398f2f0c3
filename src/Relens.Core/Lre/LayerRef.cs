using Relens.Models;
using Relens.Models.Hooks;

namespace Relens.Lre;

/// <summary>
/// Where the subject state h is read: "emb" (the token embedding, before GPT-2's position embedding) or
/// layer ℓ = the output of block ℓ (HF hidden_states[ℓ+1], TransformerLens blocks.ℓ.hook_resid_post).
/// </summary>
public readonly record struct LayerRef
{
    private LayerRef(int index) => Index = index;

    /// <summary>−1 for the embedding, else the block index.</summary>
    public int Index { get; }
    public bool IsEmbedding => Index < 0;

    public static LayerRef Embedding => new(-1);
    public static LayerRef Block(int index) =>
        index >= 0 ? new(index) : throw new ArgumentOutOfRangeException(nameof(index), "block layers are ≥ 0; use LayerRef.Embedding for 'emb'");

    /// <summary>The hook whose activation is h.</summary>
    public string HookName => IsEmbedding ? HookNames.Embed : HookNames.ResidPost(Index);

    /// <summary>The first block that runs after h.</summary>
    public int NextBlock => Index + 1;

    public void Validate(TransformerLM model)
    {
        if (Index >= model.NumLayers)
            throw new RelensException($"layer {Index} does not exist: the model has {model.NumLayers} blocks (layers 0..{model.NumLayers - 1} and 'emb')");
    }

    public static LayerRef Parse(string text)
    {
        text = text.Trim();
        if (text is "emb" or "embedding") return Embedding;
        return int.TryParse(text, out var i) && i >= 0 ? Block(i)
            : throw new RelensException($"layer must be 'emb' or a block index ≥ 0, got '{text}'");
    }

    /// <summary>All layers of a model: emb, 0..L−1.</summary>
    public static IEnumerable<LayerRef> All(int numLayers) => new[] { Embedding }.Concat(Enumerable.Range(0, numLayers).Select(Block));

    public override string ToString() => IsEmbedding ? "emb" : Index.ToString();
}
