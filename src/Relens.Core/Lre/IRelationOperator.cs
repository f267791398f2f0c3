using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>A map from subject states h [N, d] to predicted object states ẑ [N, d] (an LRE, or a baseline).</summary>
public interface IRelationOperator
{
    string Name { get; }
    Tensor Apply(Tensor h);
}
