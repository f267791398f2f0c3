using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using Relens.Models;
using Relens.Quantization;

namespace Relens.Models.Layers;

// Minimal parameter holders whose field names equal Hugging Face checkpoint keys. Parameters are
// allocated with torch.empty in the requested dtype (a checkpoint overwrites them, or ModelInit fills
// them for training), so building a large model never pays for a throw-away random initialisation.
// An optional device (null = CPU) lets a model be built on the "meta" device: every parameter's name,
// shape and dtype without any storage, for memory estimates and structure checks.

/// <summary>
/// A linear layer whose weight can be held packed (<see cref="Pack"/>): its codes and scales stay in memory and
/// the float weight exists only while a forward pass or a Jacobian uses it, as a temporary of that call.
/// </summary>
public interface IPackableLinear
{
    long InFeatures { get; }
    long OutFeatures { get; }
    /// <summary>The packed weight, or null while the weight is an ordinary parameter.</summary>
    PackedWeight? Packed { get; }
    /// <summary>The float weight in the layer's own layout: the parameter itself, or — packed — its dequantised
    /// values as a fresh tensor of the caller's dispose scope.</summary>
    Tensor Weight();
    /// <summary>Replaces the float weight parameter by its packed form, groups along the input dimension; the
    /// parameter leaves named_parameters and its storage is freed. <paramref name="source"/> (the layer's layout)
    /// is packed instead of the parameter's values when given, e.g. a tensor just read from a checkpoint.</summary>
    void Pack(QuantScheme scheme, string name, Tensor? source = null);
}

/// <summary>HF's Conv1D (GPT-2): weight stored [in, out], y = x·W + b.</summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>, IPackableLinear
{
    /// <summary>[in, out]; null once packed (use <see cref="Weight"/>).</summary>
    public Parameter weight;
    public readonly Parameter bias;
    private readonly ScalarType _dtype;

    public Conv1D(long inFeatures, long outFeatures, ScalarType dtype, Device? device = null) : base(nameof(Conv1D))
    {
        weight = new Parameter(torch.empty(inFeatures, outFeatures, dtype: dtype, device: device));
        bias = new Parameter(torch.empty(outFeatures, dtype: dtype, device: device));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        _dtype = dtype;
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public PackedWeight? Packed { get; private set; }

    // packed rows are output features ([out, in]), so the [in, out] layout is their transposed view
    public Tensor Weight() => Packed is null ? weight : Packed.Dequantize(_dtype).t();

    // [.., in] → [.., out]
    public override Tensor forward(Tensor x)
    {
        if (Packed is null)
            return torch.addmm(bias, x.reshape(-1, x.shape[^1]), weight, 1, 1).view([.. x.shape[..^1], OutFeatures]);
        using var scope = torch.NewDisposeScope();
        return torch.addmm(bias, x.reshape(-1, x.shape[^1]), Weight(), 1, 1).view([.. x.shape[..^1], OutFeatures]).MoveToOuterDisposeScope();
    }

    public void Pack(QuantScheme scheme, string name, Tensor? source = null)
    {
        if (Packed is not null) throw new InvalidOperationException($"{name} is already packed");
        using (var scope = torch.NewDisposeScope()) Packed = PackedWeight.Quantize((source ?? weight).detach().t(), scheme, name);
        ConditionallyRegisterParameter(nameof(weight), null);
        weight.Dispose();
        weight = null!;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Packed?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>torch.nn.Linear layout: weight [out, in], optional bias.</summary>
public sealed class LinearLayer : nn.Module<Tensor, Tensor>, IPackableLinear
{
    /// <summary>[out, in]; null once packed (use <see cref="Weight"/>).</summary>
    public Parameter weight;
    public readonly Parameter? bias;
    private readonly ScalarType _dtype;

    public LinearLayer(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype, Device? device = null) : base("Linear")
    {
        weight = new Parameter(torch.empty(outFeatures, inFeatures, dtype: dtype, device: device));
        if (hasBias) bias = new Parameter(torch.empty(outFeatures, dtype: dtype, device: device));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        _dtype = dtype;
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public PackedWeight? Packed { get; private set; }

    public Tensor Weight() => Packed is null ? weight : Packed.Dequantize(_dtype);

    public override Tensor forward(Tensor x)
    {
        if (Packed is null) return nn.functional.linear(x, weight, bias);
        using var scope = torch.NewDisposeScope();
        return nn.functional.linear(x, Weight(), bias).MoveToOuterDisposeScope();
    }

    public void Pack(QuantScheme scheme, string name, Tensor? source = null)
    {
        if (Packed is not null) throw new InvalidOperationException($"{name} is already packed");
        using (var scope = torch.NewDisposeScope()) Packed = PackedWeight.Quantize((source ?? weight).detach(), scheme, name);
        ConditionallyRegisterParameter(nameof(weight), null);
        weight.Dispose();
        weight = null!;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Packed?.Dispose();
        base.Dispose(disposing);
    }
}

public sealed class LayerNormLayer : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter bias;
    private readonly double _eps;

    public LayerNormLayer(long dim, double eps, ScalarType dtype, Device? device = null) : base("LayerNorm")
    {
        weight = new Parameter(torch.ones(dim, dtype: dtype, device: device));
        bias = new Parameter(torch.zeros(dim, dtype: dtype, device: device));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.layer_norm(x, [weight.shape[0]], weight, bias, _eps);

    internal double Eps => _eps;
}

/// <summary>How an RMSNorm applies its gain to x̂ = x / √(mean(x²) + eps).</summary>
public enum RmsNormGain
{
    /// <summary>LLaMA, Qwen, Phi-3, OLMo 2: w · x̂, x̂ cast back to the input dtype first.</summary>
    Weight,
    /// <summary>Gemma: x̂ · (1 + w) in float32, then cast; w is stored as an offset from 1 (0 = identity).</summary>
    OnePlusWeight,
}

/// <summary>RMSNorm: computed in float32 and cast back, as HF does; the gain per <see cref="RmsNormGain"/>.</summary>
public sealed class RmsNormLayer : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    private readonly double _eps;
    private readonly RmsNormGain _gain;

    public RmsNormLayer(long dim, double eps, ScalarType dtype, Device? device = null, RmsNormGain gain = RmsNormGain.Weight) : base("RMSNorm")
    {
        weight = new Parameter(gain == RmsNormGain.OnePlusWeight
            ? torch.zeros(dim, dtype: dtype, device: device)
            : torch.ones(dim, dtype: dtype, device: device));
        _eps = eps;
        _gain = gain;
        RegisterComponents();
    }

    /// <summary>The weight value that makes the norm a plain x̂ (what a fresh model starts with).</summary>
    public double IdentityWeight => _gain == RmsNormGain.OnePlusWeight ? 0.0 : 1.0;

    internal double Eps => _eps;

    /// <summary>The factor x̂ is multiplied by (w, or Gemma's 1 + w), for the Jacobian tapes.</summary>
    internal Tensor Gain() => _gain == RmsNormGain.OnePlusWeight ? weight + 1.0 : weight.alias();

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var x32 = x.to(AttentionKernel.SoftmaxType(x.dtype)); // float32 at least, as HF
        var normed = x32 * torch.rsqrt(x32.pow(2).mean([-1], keepdim: true) + _eps);
        var y = _gain == RmsNormGain.OnePlusWeight
            ? (normed * (weight.to(normed.dtype) + 1.0)).to(x.dtype)
            : weight * normed.to(x.dtype);
        return y.MoveToOuterDisposeScope();
    }
}

public sealed class EmbeddingLayer : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;

    public EmbeddingLayer(long count, long dim, ScalarType dtype, Device? device = null) : base("Embedding")
    {
        weight = new Parameter(torch.empty(count, dim, dtype: dtype, device: device));
        RegisterComponents();
    }

    // [B, T] ids → [B, T, d]
    public override Tensor forward(Tensor ids) => weight.index_select(0, ids.reshape(-1)).view([.. ids.shape, weight.shape[1]]);
}
