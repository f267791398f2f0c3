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

    internal Func<Tensor, Tensor> Activation => _act;

    /// <summary>gate and up projections [out, in] (views of Phi-3's fused gate_up_proj rows), for the Jacobian tapes.</summary>
    internal (Tensor Gate, Tensor Up) Weights()
    {
        if (gate_up_proj is null) return (gate_proj!.Weight(), up_proj!.Weight());
        var w = gate_up_proj.Weight();
        return (w.narrow(0, 0, _inner), w.narrow(0, _inner, _inner));
    }

    /// <summary>gate(x) and up(x), as the forward pass computes them.</summary>
    internal (Tensor Gate, Tensor Up) Project(Tensor x)
    {
        if (gate_up_proj is null) return (gate_proj!.forward(x), up_proj!.forward(x));
        var both = gate_up_proj.forward(x);
        return (both.narrow(-1, 0, _inner), both.narrow(-1, _inner, _inner));
    }

    /// <param name="post">The gated hidden activation's hook (blocks.ℓ.mlp.hook_post: the keys of a rank-one edit), if any.</param>
    public Tensor Forward(Tensor x, HookPoint? post)
    {
        using var scope = torch.NewDisposeScope();
        var (gate, up) = Project(x);
        var hidden = _act(gate) * up;
        return down_proj.forward(post is null ? hidden : post.Run(hidden)).MoveToOuterDisposeScope();
    }
}
