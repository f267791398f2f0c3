using Relens.Models.Hooks;
using Relens.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models.Decoder;

/// <summary>
/// Gated MLP: down(act(gate(x)) · up(x)) — SwiGLU with silu, GeGLU with gelu_pytorch_tanh. Phi-3 stores gate and
/// up as one gate_up_proj whose rows are [gate (intermediate) | up (intermediate)].
/// </summary>
public sealed class GatedMlp : nn.Module<Tensor, Tensor>
{
    public readonly LinearLayer? gate_proj;
    public readonly LinearLayer? up_proj;
    public readonly LinearLayer? gate_up_proj;
    public readonly LinearLayer down_proj;
    private readonly Func<Tensor, Tensor> _act;
    private readonly long _inner;

    public GatedMlp(DecoderSpec spec, ScalarType dtype, Device? device) : base("GatedMLP")
    {
        _inner = spec.IntermediateSize;
        if (spec.Fused)
            gate_up_proj = new LinearLayer(spec.HiddenSize, 2 * _inner, spec.MlpBias, dtype, device);
        else
        {
            gate_proj = new LinearLayer(spec.HiddenSize, _inner, spec.MlpBias, dtype, device);
            up_proj = new LinearLayer(spec.HiddenSize, _inner, spec.MlpBias, dtype, device);
        }
        down_proj = new LinearLayer(_inner, spec.HiddenSize, spec.MlpBias, dtype, device);
        _act = Activations.Get(spec.Activation, "config.json"); // validated by the architecture's config class
        RegisterComponents();
    }

    // [B, T, d] → [B, T, d]
    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <param name="post">The gated hidden activation's hook (blocks.ℓ.mlp.hook_post: the keys of a rank-one edit), if any.</param>
    public Tensor Forward(Tensor x, HookPoint? post)
    {
        using var scope = torch.NewDisposeScope();
        Tensor gate, up;
        if (gate_up_proj is not null)
        {
            var both = gate_up_proj.forward(x);
            gate = both.narrow(-1, 0, _inner);
            up = both.narrow(-1, _inner, _inner);
        }
        else
        {
            gate = gate_proj!.forward(x);
            up = up_proj!.forward(x);
        }
        var hidden = _act(gate) * up;
        return down_proj.forward(post is null ? hidden : post.Run(hidden)).MoveToOuterDisposeScope();
    }
}
