using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.World;

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
