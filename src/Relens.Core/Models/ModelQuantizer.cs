using Relens.Models.Layers;
using Relens.Quantization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>
/// Which weights `--quantize` touches and how. The blocks' linear layers (every <see cref="IPackableLinear"/>
/// but the unembedding) are packed: codes and scales only, dequantised per use. With
/// <see cref="QuantizeOptions.Embeddings"/> the embedding tables and an untied unembedding are quantised too, but
/// held as their dequantised float values (they are read row by row or as a whole by many callers; the values
/// are exactly those a packed copy would give). Norms and biases stay float.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>The blocks' linear layers by weight name ("transformer.h.0.attn.c_attn.weight").</summary>
    public static IReadOnlyList<(string Name, IPackableLinear Layer)> Targets(TransformerLM model)
    {
        var unembedding = model.UnembeddingWeight;
        var targets = new List<(string, IPackableLinear)>();
        foreach (var (name, module) in model.named_modules())
            if (module is IPackableLinear layer && !(module is LinearLayer linear && ReferenceEquals(linear.weight, unembedding)))
                targets.Add((name + ".weight", layer));
        return targets;
    }

    /// <summary>Embedding tables and an untied unembedding (all [rows, d], grouped along d).</summary>
    public static IReadOnlyList<(string Name, Tensor Weight)> EmbeddingTargets(TransformerLM model)
    {
        var targets = new List<(string, Tensor)>();
        foreach (var (name, module) in model.named_modules())
            if (module is EmbeddingLayer e) targets.Add((name + ".weight", e.weight));
        var unembedding = model.UnembeddingWeight;
        if (!targets.Any(t => ReferenceEquals(t.Item2, unembedding)))
            targets.Add((model.named_parameters().First(p => ReferenceEquals(p.parameter, unembedding)).name, unembedding));
        return targets;
    }

    /// <summary>Refuses, naming the first tensor, a model whose quantised weights' input dimension does not split into groups.</summary>
    public static void Check(TransformerLM model, QuantizeOptions options)
    {
        foreach (var (name, layer) in Targets(model))
            PackedWeight.CheckDivisible(options.Scheme, layer.InFeatures, $"'{name}' [{layer.OutFeatures} out × {layer.InFeatures} in]");
        if (options.Embeddings)
            foreach (var (name, w) in EmbeddingTargets(model))
                PackedWeight.CheckDivisible(options.Scheme, w.shape[1], $"'{name}' [{w.shape[0]} × {w.shape[1]}]");
    }

    /// <summary>Quantises a loaded model in place (packing what <see cref="LanguageModel.Load"/> packs while it reads).</summary>
    public static void Apply(TransformerLM model, QuantizeOptions options)
    {
        Check(model, options);
        foreach (var (name, layer) in Targets(model))
            if (layer.Packed is null) layer.Pack(options.Scheme, name);
        if (options.Embeddings) QuantizeEmbeddings(model, options.Scheme);
    }

    /// <summary>Replaces the embedding tables' values by their quantised-and-dequantised values.</summary>
    public static void QuantizeEmbeddings(TransformerLM model, QuantScheme scheme)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, w) in EmbeddingTargets(model))
        {
            using var scope = torch.NewDisposeScope();
            using var packed = PackedWeight.Quantize(w, scheme, $"'{name}'");
            w.copy_(packed.Dequantize(w.dtype));
        }
    }

    /// <summary>Bytes the parameters take once quantised: packed targets at their packed size, the rest (embeddings
    /// included: held as float) at <paramref name="elementBytes"/> each. Works on a meta-device model.</summary>
    public static long ParameterBytes(TransformerLM model, QuantizeOptions? options, long elementBytes)
    {
        var packedNames = options is null ? new Dictionary<string, IPackableLinear>() : Targets(model).ToDictionary(t => t.Name, t => t.Layer);
        long bytes = 0;
        foreach (var (name, p) in model.named_parameters())
            bytes = checked(bytes + (packedNames.TryGetValue(name, out var layer)
                ? PackedWeight.BytesFor(options!.Scheme, layer.OutFeatures, layer.InFeatures)
                : p.numel() * elementBytes));
        foreach (var (name, layer) in packedNames)
            if (layer.Packed is { } packed) bytes = checked(bytes + packed.Bytes);   // already packed: no longer a parameter
        return bytes;
    }

    /// <summary>Every parameter as a float tensor in its HF name and layout, packed weights dequantised (each a temporary
    /// of the caller's dispose scope): what `relens model quantize` writes.</summary>
    public static IReadOnlyList<(string Name, Tensor Tensor)> DenseTensors(TransformerLM model)
    {
        var tensors = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        foreach (var (name, layer) in Targets(model))
            if (layer.Packed is not null) tensors.Add((name, layer.Weight().contiguous()));
        return tensors;
    }
}
