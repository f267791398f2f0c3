using Relens.Models.Hooks;
using Relens.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models.Decoder;

/// <summary>
/// One block in one of the <see cref="BlockLayout"/>s. hook_attn_out and hook_mlp_out hold what is added to the
/// residual stream (after Gemma 2's and OLMo 2's post-norms), so resid_mid = resid_pre + attn_out and
/// resid_post = resid_mid + mlp_out hold in every layout.
/// </summary>
public sealed class DecoderLayer : nn.Module
{
    public readonly RmsNormLayer? input_layernorm;
    public readonly DecoderAttention self_attn;
    public readonly RmsNormLayer post_attention_layernorm;
    public readonly RmsNormLayer? pre_feedforward_layernorm;
    public readonly RmsNormLayer? post_feedforward_layernorm;
    public readonly GatedMlp mlp;
    private readonly BlockLayout _layout;

    public DecoderLayer(DecoderSpec spec, int layer, RotaryEmbedding rotary, ScalarType dtype, Device? device) : base("DecoderLayer")
    {
        RmsNormLayer Norm() => new(spec.HiddenSize, spec.RmsNormEps, dtype, device, spec.NormGain);
        _layout = spec.Layout;
        if (spec.Layout != BlockLayout.PostNorm) input_layernorm = Norm();
        self_attn = new DecoderAttention(spec, layer, rotary, dtype, device);
        post_attention_layernorm = Norm();
        if (spec.Layout == BlockLayout.Sandwich) pre_feedforward_layernorm = Norm();
        if (spec.Layout != BlockLayout.PreNorm) post_feedforward_layernorm = Norm();
        mlp = new GatedMlp(spec, dtype, device);
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public Tensor Forward(Tensor x, AttentionContext ctx, BlockHooks hooks)
    {
        using var scope = torch.NewDisposeScope();
        Tensor attnOut, mlpOut, mid;
        switch (_layout)
        {
            case BlockLayout.PreNorm:
                attnOut = hooks.AttnOut.Run(self_attn.Forward(input_layernorm!.forward(x), ctx));
                mid = hooks.ResidMid.Run(x + attnOut);
                mlpOut = hooks.MlpOut.Run(mlp.Forward(post_attention_layernorm.forward(mid), hooks.MlpPost));
                break;
            case BlockLayout.Sandwich:
                attnOut = hooks.AttnOut.Run(post_attention_layernorm.forward(self_attn.Forward(input_layernorm!.forward(x), ctx)));
                mid = hooks.ResidMid.Run(x + attnOut);
                mlpOut = hooks.MlpOut.Run(post_feedforward_layernorm!.forward(mlp.Forward(pre_feedforward_layernorm!.forward(mid), hooks.MlpPost)));
                break;
            default:
                attnOut = hooks.AttnOut.Run(post_attention_layernorm.forward(self_attn.Forward(x, ctx)));
                mid = hooks.ResidMid.Run(x + attnOut);
                mlpOut = hooks.MlpOut.Run(post_feedforward_layernorm!.forward(mlp.Forward(mid, hooks.MlpPost)));
                break;
        }
        return (mid + mlpOut).MoveToOuterDisposeScope();
    }
}
