using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>
/// A decoder-only transformer with named hook points. Subclasses (one per HF model_type) pass their sizes to the
/// constructor and supply the embedding, the blocks, the final norm and the unembedding; this class holds the sizes
/// and the hook points and drives the forward pass, masks, positions and the KV cache the same way for every architecture.
/// Layer convention: layer ℓ = output of block ℓ (HF hidden_states[ℓ+1]); "emb" = token embedding.
/// </summary>
public abstract class TransformerLM : nn.Module<Tensor, Tensor>
{
    /// <summary>The sizes every architecture has, and its hook points: made here, so no subclass can forget them.</summary>
    /// <param name="name">The HF class name (module name).</param>
    /// <param name="numLayers">Blocks L (layers 0..L−1).</param>
    /// <param name="hiddenSize">The residual stream's width d.</param>
    /// <param name="vocabSize">Rows of the unembedding V.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    protected TransformerLM(string name, int numLayers, int hiddenSize, int vocabSize, ScalarType dtype) : base(name)
    {
        NumLayers = numLayers;
        HiddenSize = hiddenSize;
        VocabSize = vocabSize;
        DType = dtype;
        BlockHookPoints = Enumerable.Range(0, numLayers).Select(l => new BlockHooks(l)).ToArray();
        HookPoints = new[] { EmbedHook, LnFinalHook }.Concat(BlockHookPoints.SelectMany(b => b.All)).ToDictionary(h => h.Name);
    }

    public int NumLayers { get; }
    public int HiddenSize { get; }
    public int VocabSize { get; }
    public ScalarType DType { get; }

    protected HookPoint EmbedHook { get; } = new(HookNames.Embed);
    protected HookPoint LnFinalHook { get; } = new(HookNames.LnFinal);
    protected IReadOnlyList<BlockHooks> BlockHookPoints { get; }

    /// <summary>Every hook point by canonical name.</summary>
    public IReadOnlyDictionary<string, HookPoint> HookPoints { get; }

    public HookPoint Hook(string name) => HookPoints.TryGetValue(name, out var h) ? h
        : throw new ArgumentException($"no hook point '{name}'; examples: {HookNames.Embed}, {HookNames.ResidPost(0)}, {HookNames.LnFinal}");

    // ---- architecture parts --------------------------------------------------------------------

    /// <summary>Token embedding only: [B, T] → [B, T, d] (the "emb" layer).</summary>
    protected abstract Tensor EmbedTokens(Tensor inputIds);

    /// <summary>Block 0's input from the token embedding; GPT-2 adds learned positions, rotary models return it unchanged.</summary>
    public virtual Tensor ResidualFromEmbedding(Tensor tokenEmbedding, Tensor positionIds) => tokenEmbedding;

    /// <summary>Block <paramref name="layer"/> without its resid_pre/resid_post hooks (the driver runs those).</summary>
    protected abstract Tensor Block(int layer, Tensor residual, AttentionContext ctx, BlockHooks hooks);

    /// <summary>The final norm (ln_f / norm), without the ln_final hook.</summary>
    protected abstract Tensor FinalNormCore(Tensor x);

    /// <summary>The unembedding (lm_head): [.., d] → [.., V].</summary>
    public abstract Tensor Unembed(Tensor x);

    /// <summary>The unembedding matrix [V, d] (lm_head weight, or the tied token embedding).</summary>
    public abstract Tensor UnembeddingWeight { get; }

    /// <summary>Block <paramref name="layer"/>'s MLP output projection, whose input is the hook_post activation
    /// (what a rank-one edit changes); null where the architecture does not expose one.</summary>
    public virtual MlpProjection? MlpOutputProjection(int layer) => null;

    /// <summary>The token embedding matrix [V, d] whose rows are the "emb" states (no scaling); null where they are not.</summary>
    public virtual TokenEmbedding? TokenEmbeddingWeight => null;

    /// <summary>The parameters that define how a residual vector is decoded (final norm + unembedding), for model identity hashes.</summary>
    public abstract IEnumerable<Tensor> DecoderParameters();

    // ---- driver --------------------------------------------------------------------------------

    public Tensor FinalNorm(Tensor x) => LnFinalHook.Run(FinalNormCore(x));

    /// <summary>Logits of residual vectors: Unembed(FinalNorm(z)).</summary>
    public Tensor Decode(Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        return Unembed(FinalNorm(z)).MoveToOuterDisposeScope();
    }

    /// <summary>Runs blocks <paramref name="fromLayer"/>..L−1 on <paramref name="residual"/> (the output of block fromLayer−1)
    /// and returns the last block's output before the final norm.</summary>
    public Tensor RunBlocks(Tensor residual, int fromLayer, AttentionContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var x = residual;
        for (int l = fromLayer; l < NumLayers; l++)
        {
            var hooks = BlockHookPoints[l];
            x = hooks.ResidPre.Run(x);
            x = hooks.ResidPost.Run(Block(l, x, ctx, hooks));
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The learned position table's size and its config.json field, where positions index one (GPT-2,
    /// GPT-Neo); null where they do not (rotary models).</summary>
    public virtual (int Size, string Field)? PositionTable => null;

    /// <summary>Token embedding with the hook_embed hook, then block 0's input.</summary>
    public Tensor Embed(Tensor inputIds, Tensor positionIds)
    {
        using var scope = torch.NewDisposeScope();
        // past the table libtorch fails with an index error far from the cause: name the limit instead
        if (PositionTable is { } table && positionIds.numel() > 0 && positionIds.max().item<long>() is var last && last >= table.Size)
            throw new RelensException($"a prompt of {last + 1} tokens is longer than this model's {table.Field} = {table.Size} (config.json): use at most {table.Size} tokens");
        var tokens = EmbedHook.Run(EmbedTokens(inputIds));
        return ResidualFromEmbedding(tokens, positionIds).MoveToOuterDisposeScope();
    }

    /// <summary>Attention context for <paramref name="newTokens"/> tokens after the cache's prefix.</summary>
    public AttentionContext Context(long batch, long newTokens, KvCache? past, Tensor? paddingMask, Tensor? positionIds, KvCache? present,
        Func<int, Tensor, Tensor>? scoreEdit = null)
    {
        long pastLength = past?.Length ?? 0;
        if (paddingMask is null && past?.PaddingMask is { } pastMask)
            paddingMask = torch.cat([pastMask, torch.ones(batch, newTokens, dtype: pastMask.dtype)], 1);
        if (paddingMask is not null && paddingMask.shape[1] != pastLength + newTokens)
            throw new ArgumentException($"padding mask covers {paddingMask.shape[1]} positions, expected {pastLength + newTokens} (prefix {pastLength} + new {newTokens})");
        return new AttentionContext
        {
            PositionIds = positionIds ?? AttentionMasks.PositionIds(batch, newTokens, pastLength, paddingMask),
            Mask = AttentionMasks.Build(batch, newTokens, pastLength, paddingMask, DType),
            Past = past,
            Present = present,
            ScoreEdit = scoreEdit,
        };
    }

    public ForwardOutput Forward(ForwardInput input)
    {
        using var scope = torch.NewDisposeScope();
        long batch = input.InputIds.shape[0], tokens = input.InputIds.shape[1];
        var present = input.ReturnCache ? new KvCache(NumLayers) : null;
        var ctx = Context(batch, tokens, input.Past, input.PaddingMask, input.PositionIds, present, input.ScoreEdit);
        if (present is not null)
            present.SetPaddingMask(input.PaddingMask ?? (input.Past?.PaddingMask is null ? null
                : torch.cat([input.Past.PaddingMask, torch.ones(batch, tokens, dtype: input.Past.PaddingMask.dtype)], 1)));
        var z = RunBlocks(Embed(input.InputIds, ctx.PositionIds), 0, ctx);
        Tensor? logits = input.Logits switch
        {
            LogitsAt.All => Decode(z),
            LogitsAt.Last => Decode(z.select(1, -1)),
            _ => null,
        };
        return new ForwardOutput
        {
            Logits = logits?.MoveToOuterDisposeScope(),
            LastBlockOutput = z.MoveToOuterDisposeScope(),
            Cache = present,
        };
    }

    /// <summary>ids [B, T] → logits [B, T, V]; the plain form training uses.</summary>
    public override Tensor forward(Tensor inputIds) => Forward(new ForwardInput { InputIds = inputIds }).Logits!;
}
