using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>One parameter as a model built from a config expects it: HF checkpoint key and shape.</summary>
public sealed record ParameterShape(string Name, long[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The parameters an architecture builds for a config, found by building the module on the "meta"
/// device: the real module tree (so this can never disagree with what loading fills), no storage, so a
/// 70B config costs a few milliseconds and no memory.
/// </summary>
public static class ModelStructure
{
    public static IReadOnlyList<ParameterShape> Parameters(IArchitecture architecture, ModelConfig config, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = torch.NewDisposeScope();
        using var model = architecture.Create(config, dtype, torch.META);
        return model.named_parameters().Select(p => new ParameterShape(p.name, p.parameter.shape)).ToList();
    }
}
