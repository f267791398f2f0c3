using TorchSharp;

namespace Relens.Tests.Checkpoints;

internal static class TensorAssert
{
    /// <summary>Same shape and every element equal (TorchSharp's Tensor.equal is element-wise, not torch.equal).</summary>
    public static bool Same(torch.Tensor a, torch.Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }
}
