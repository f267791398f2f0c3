using TorchSharp;

namespace Relens.Tests;

public class NativeLibraryTests
{
    [Fact]
    public void LibTorchLoadsAndDifferentiates()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.data<float>().ToArray());
    }
}
