using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using Relens.Models;

namespace Relens.Models.Layers;

// Minimal parameter holders whose field names equal Hugging Face checkpoint keys. Parameters are
// allocated with torch.empty in the requested dtype (a checkpoint overwrites them, or ModelInit fills
// them for training), so building a large model never pays for a throw-away random initialisation.

/// <summary>HF's Conv1D (GPT-2): weight stored [in, out], y = x·W + b.</summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter bias;

    public Conv1D(long inFeatures, long outFeatures, ScalarType dtype) : base(nameof(Conv1D))
    {
        weight = new Parameter(torch.empty(inFeatures, outFeatures, dtype: dtype));
        bias = new Parameter(torch.empty(outFeatures, dtype: dtype));
        RegisterComponents();
    }

    // [.., in] → [.., out]
    public override Tensor forward(Tensor x) => torch.addmm(bias, x.reshape(-1, x.shape[^1]), weight, 1, 1)
        .view([.. x.shape[..^1], weight.shape[1]]);
}

/// <summary>torch.nn.Linear layout: weight [out, in], optional bias.</summary>
public sealed class LinearLayer : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter? bias;

    public LinearLayer(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype) : base("Linear")
    {
        weight = new Parameter(torch.empty(outFeatures, inFeatures, dtype: dtype));
        if (hasBias) bias = new Parameter(torch.empty(outFeatures, dtype: dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.linear(x, weight, bias);
}

public sealed class LayerNormLayer : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter bias;
    private readonly double _eps;

    public LayerNormLayer(long dim, double eps, ScalarType dtype) : base("LayerNorm")
    {
        weight = new Parameter(torch.ones(dim, dtype: dtype));
        bias = new Parameter(torch.zeros(dim, dtype: dtype));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.layer_norm(x, [weight.shape[0]], weight, bias, _eps);
}

/// <summary>LLaMA's RMSNorm: computed in float32 and cast back, as HF does.</summary>
public sealed class RmsNormLayer : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    private readonly double _eps;

    public RmsNormLayer(long dim, double eps, ScalarType dtype) : base("RMSNorm")
    {
        weight = new Parameter(torch.ones(dim, dtype: dtype));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var x32 = x.to(AttentionKernel.SoftmaxType(x.dtype)); // float32 at least, as HF
        var normed = x32 * torch.rsqrt(x32.pow(2).mean([-1], keepdim: true) + _eps);
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}

public sealed class EmbeddingLayer : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;

    public EmbeddingLayer(long count, long dim, ScalarType dtype) : base("Embedding")
    {
        weight = new Parameter(torch.empty(count, dim, dtype: dtype));
        RegisterComponents();
    }

    // [B, T] ids → [B, T, d]
    public override Tensor forward(Tensor ids) => weight.index_select(0, ids.reshape(-1)).view([.. ids.shape, weight.shape[1]]);
}
