using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.World;

/// <summary>
/// Test classes that seed torch's global RNG and then draw from it: run alone, or another class running
/// in parallel would draw from the same generator in between.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchRngCollection { public const string Name = "World: torch global RNG"; }

/// <summary>A stand-in causal LM for trainer tests: logits at t depend only on token t.</summary>
internal sealed class BigramLm : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Embedding wte;
    private readonly TorchSharp.Modules.Linear head;

    public BigramLm(int vocab, int dim) : base(nameof(BigramLm))
    {
        wte = nn.Embedding(vocab, dim);
        head = nn.Linear(dim, vocab);
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = torch.NewDisposeScope();
        return head.call(wte.call(ids)).MoveToOuterDisposeScope();   // [B, T, V]
    }
}
