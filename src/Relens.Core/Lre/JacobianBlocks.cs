using Relens.Models;
using Relens.Models.Gpt2;
using Relens.Models.Decoder;
using Relens.Models.GptJ;
using Relens.Models.GptNeo;
using Relens.Models.GptNeoX;
using Relens.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// What one block's vector-Jacobian product needs for one group of prompts (<see cref="TapeGroup"/>), saved by a single
/// forward pass. Because every Jacobian row linearises around the same point, the nonlinear factors (softmax, norm
/// scales, activation slopes) are computed once and shared by all B cotangents of a prompt in Backward, which is then
/// just matmuls of [P·B·T, k] × [k, m] — the P prompts' rows stacked, so small models still fill the matmuls — plus
/// cheap broadcasts: no replicated forward pass, no autograd graph, no weight gradients. Tensors live in the dispose
/// scope the tape was recorded in.
/// </summary>
internal interface IBlockTape
{
    /// <summary>
    /// Cotangents at the block output → cotangents at its input, for the T recorded (suffix) positions.
    /// <paramref name="g"/> is [P·B, t, d] (prompt-major: rows p·B.. are prompt p's) for the LAST t of them (the
    /// earlier ones are zero: above the last block only the last token carries a cotangent); the result is [P·B, T, d].
    /// </summary>
    Tensor Backward(Tensor g);
}

/// <summary>An architecture's blocks as tapes: how the linearised Jacobian runs on it.</summary>
internal interface IJacobianBlocks
{
    /// <summary>
    /// Runs block <paramref name="layer"/> on <paramref name="x"/> [P, N, d] — P left-padded prompts, padding and
    /// positions in <paramref name="ctx"/> — and returns one tape per group of <paramref name="groups"/> for the group's
    /// suffix (the positions its cotangents flow through; no groups below the first block a Jacobian needs).
    /// <paramref name="output"/> is the block's output at all positions, as the model's own forward pass computes it.
    /// </summary>
    IBlockTape[] Record(int layer, Tensor x, AttentionContext ctx, IReadOnlyList<TapeGroup> groups, out Tensor output);

    /// <summary>Cotangent of block 0's input → cotangent of the token embedding ("emb"). GPT-2 adds
    /// positions and rotary models pass the embedding on unchanged: both are the identity.</summary>
    Tensor EmbeddingBackward(Tensor g) => g;
}

/// <summary>
/// Which architectures have tapes; others use <see cref="ReplicatedJacobian"/> (autograd: exact, 3–6× slower).
/// A new architecture adds its IJacobianBlocks here (or calls Register), built from NormTape, AttentionTape
/// (grouped-query attention included), RotaryAttentionTape (RoPE's inverse rotation on the q and k cotangents),
/// ActivationTape and GatedTape.
/// </summary>
internal static class JacobianBlocks
{
    // a factory may return null: that configuration of the architecture has no tapes (e.g. Gemma 2's soft-capping)
    private static readonly Dictionary<Type, Func<TransformerLM, IJacobianBlocks?>> Factories = new()
    {
        [typeof(Gpt2Model)] = m => new Gpt2JacobianBlocks((Gpt2Model)m),
        [typeof(GptNeoModel)] = m => new GptNeoJacobianBlocks((GptNeoModel)m),
        [typeof(LlamaModel)] = m => PreNormRotaryJacobianBlocks.For((LlamaModel)m),
        [typeof(DecoderModel)] = m => PreNormRotaryJacobianBlocks.For((DecoderModel)m),
        [typeof(GptJModel)] = m => new GptJJacobianBlocks((GptJModel)m),
        [typeof(GptNeoXModel)] = m => new GptNeoXJacobianBlocks((GptNeoXModel)m),
    };

    public static void Register<TModel>(Func<TModel, IJacobianBlocks?> factory) where TModel : TransformerLM =>
        Factories[typeof(TModel)] = m => factory((TModel)m);

    /// <summary>The model's tapes, or null when its architecture has none or a hook is active (tapes do
    /// not run hooks, so a hooked model — e.g. one being edited — must go through its own forward pass).</summary>
    public static IJacobianBlocks? For(TransformerLM model) =>
        Factories.TryGetValue(model.GetType(), out var make) && !model.HookPoints.Values.Any(h => h.IsActive) ? make(model) : null;
}
