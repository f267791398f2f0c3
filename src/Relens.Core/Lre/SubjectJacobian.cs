using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>J = ∂z/∂h for one prompt, with h (layer ℓ at the subject's last token) and z (last block's output at
/// the last token, before the final norm). Float32, in the caller's dispose scope.</summary>
public sealed record SubjectJacobianResult(Tensor Jacobian, Tensor H, Tensor Z)
{
    /// <summary>Wall seconds of the no-gradient forward work that read h and z (and recorded tapes).</summary>
    public double ForwardSeconds { get; init; }
}

/// <summary>J and h for several layers of one prompt (one shared z). Float32, in the caller's dispose scope.</summary>
public sealed record SubjectJacobians(IReadOnlyDictionary<LayerRef, Tensor> Jacobians, IReadOnlyDictionary<LayerRef, Tensor> H, Tensor Z)
{
    /// <summary>This prompt's share of the forward work (a batched recording pass is split evenly over its prompts).</summary>
    public double ForwardSeconds { get; init; }

    public SubjectJacobianResult this[LayerRef layer] => Jacobians.TryGetValue(layer, out var j)
        ? new SubjectJacobianResult(j, H[layer], Z) { ForwardSeconds = ForwardSeconds }
        : throw new ArgumentException($"layer {layer} was not computed");
}

/// <summary>
/// The LRE's per-prompt Jacobians (LRE-METHOD §3 step 4). Dispatches on <see cref="JacobianOptions.Method"/>:
/// <see cref="LinearizedJacobian"/> (one forward pass recording tapes, then hand-written VJPs for many cotangents at
/// once, every layer from one backward sweep) where the architecture has tapes, else <see cref="ReplicatedJacobian"/>
/// (autograd through replicas; the reference).
/// </summary>
public static class SubjectJacobian
{
    public static SubjectJacobianResult Compute(TransformerLM model, SubjectPrompt prompt, LayerRef layer, JacobianOptions? options = null)
    {
        options ??= JacobianOptions.Default;
        layer.Validate(model);
        if (Linearization(model, options) is null) return ReplicatedJacobian.Compute(model, prompt, layer, options);
        using var scope = torch.NewDisposeScope();
        var r = ComputeAllLayers(model, prompt, [layer], options)[layer];
        return new SubjectJacobianResult(r.Jacobian.MoveToOuterDisposeScope(), r.H.MoveToOuterDisposeScope(), r.Z.MoveToOuterDisposeScope())
            { ForwardSeconds = r.ForwardSeconds };
    }

    /// <summary>
    /// J and h for each of <paramref name="layers"/> (e.g. <see cref="LayerRef.All"/>: a layer sweep). Linearized,
    /// this is one backward sweep from z down to the earliest layer — a full sweep costs about as much as the
    /// single Jacobian of its lowest layer; Replicated, it is one computation per layer.
    /// </summary>
    public static SubjectJacobians ComputeAllLayers(TransformerLM model, SubjectPrompt prompt, IReadOnlyList<LayerRef> layers, JacobianOptions? options = null)
    {
        using var scope = torch.NewDisposeScope();
        SubjectJacobians? result = null;
        // the callback's tensors die with it: keep copies, detached from its scope and attached to ours
        Tensor Keep(Tensor t) { var copy = t.clone().DetachFromDisposeScope(); scope.Attach(copy); return copy; }
        ComputeMany(model, [prompt], layers, (_, r) => result = new SubjectJacobians(
            r.Jacobians.ToDictionary(kv => kv.Key, kv => Keep(kv.Value)), r.H.ToDictionary(kv => kv.Key, kv => Keep(kv.Value)), Keep(r.Z))
            { ForwardSeconds = r.ForwardSeconds }, options);
        return new SubjectJacobians(
            result!.Jacobians.ToDictionary(kv => kv.Key, kv => kv.Value.MoveToOuterDisposeScope()),
            result.H.ToDictionary(kv => kv.Key, kv => kv.Value.MoveToOuterDisposeScope()), result.Z.MoveToOuterDisposeScope())
            { ForwardSeconds = result.ForwardSeconds };
    }

    /// <summary>
    /// <see cref="ComputeAllLayers"/> for several prompts, handing each result to <paramref name="consume"/>(index, result)
    /// in order; the result's tensors are freed when it returns (keep clones). Linearized, the prompts' forward
    /// passes run together as one batch (<see cref="JacobianOptions.RecordBatchSize"/>), which costs much less
    /// than one pass per prompt.
    /// </summary>
    public static void ComputeMany(TransformerLM model, IReadOnlyList<SubjectPrompt> prompts, IReadOnlyList<LayerRef> layers,
        Action<int, SubjectJacobians> consume, JacobianOptions? options = null)
    {
        options ??= JacobianOptions.Default;
        if (layers.Count == 0) throw new ArgumentException("no layers requested", nameof(layers));
        foreach (var l in layers) l.Validate(model);
        if (Linearization(model, options) is { } blocks)
        {
            LinearizedJacobian.Compute(model, blocks, prompts, layers, options, consume);
            return;
        }
        for (int i = 0; i < prompts.Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            var results = layers.Distinct().ToDictionary(l => l, l => ReplicatedJacobian.Compute(model, prompts[i], l, options));
            consume(i, new SubjectJacobians(results.ToDictionary(kv => kv.Key, kv => kv.Value.Jacobian),
                results.ToDictionary(kv => kv.Key, kv => kv.Value.H), results.Values.First().Z)
                { ForwardSeconds = results.Values.Sum(r => r.ForwardSeconds) });
        }
    }

    /// <summary>Whether <paramref name="model"/> gets the linearized (fast) path under <paramref name="options"/>.</summary>
    public static bool IsLinearized(TransformerLM model, JacobianOptions? options = null) =>
        Linearization(model, options ?? JacobianOptions.Default) is not null;

    private static IJacobianBlocks? Linearization(TransformerLM model, JacobianOptions options) => options.Method switch
    {
        JacobianMethod.Replicated => null,
        JacobianMethod.Linearized => JacobianBlocks.For(model) ?? throw new RelensException(
            $"the linearized Jacobian is not available for {model.GetName()}" +
            (model.HookPoints.Values.Any(h => h.IsActive) ? " while hooks are active" : " (no block tapes for this architecture)") +
            "; use the replicated method"),
        _ => JacobianBlocks.For(model),
    };
}
