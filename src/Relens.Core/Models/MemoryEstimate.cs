using System.Globalization;
using Relens.Checkpoints;
using Relens.Quantization;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>
/// What loading a model and working with it will take, from config.json alone (before a byte of weights is
/// read or a module is built): its parameters in the target dtype, the buffer one tensor is read through,
/// and a stated working margin.
/// </summary>
/// <param name="ParameterBytes">Σ parameters × element size of the target dtype.</param>
/// <param name="LoadBufferBytes">The largest parameter read at up to 4 bytes per element plus its converted copy.</param>
/// <param name="WorkingBytes"><see cref="SlackFraction"/> of the parameters plus <see cref="ActivationBytes"/>.</param>
/// <param name="Quantization">The scheme the blocks' linear weights are packed in (their packed bytes are in
/// <paramref name="ParameterBytes"/>), or null.</param>
public sealed record MemoryEstimate(string ModelType, long ParameterCount, ScalarType DType,
    long ParameterBytes, long LoadBufferBytes, long WorkingBytes, QuantizeOptions? Quantization = null)
{
    /// <summary>Allocator fragmentation and the runtime's own memory, as a share of the parameters.</summary>
    public const double SlackFraction = 0.05;

    /// <summary>
    /// Activations the work needs at once: one Jacobian chunk at JacobianOptions' default budget (1 GiB), or a
    /// forward pass over a batch of short prompts with its logits — whichever runs, not both.
    /// </summary>
    public const long ActivationBytes = 1L << 30;

    /// <summary>Widest element a checkpoint tensor is read in before conversion (F32; F64 checkpoints are not expected).</summary>
    private const int StoredElementBytes = 4;

    public long TotalBytes => ParameterBytes + LoadBufferBytes + WorkingBytes;

    public static MemoryEstimate For(IArchitecture architecture, ModelConfig config, ScalarType dtype, QuantizeOptions? quantization = null)
    {
        var parameters = ModelStructure.Parameters(architecture, config, dtype);
        long element = SafetensorsDType.ElementSize(dtype);
        long parameterBytes;
        if (quantization is null) parameterBytes = checked(parameters.Sum(p => p.ElementCount) * element);
        else
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            using var meta = architecture.Create(config, dtype, TorchSharp.torch.META);
            parameterBytes = ModelQuantizer.ParameterBytes(meta, quantization, element);
        }
        long count = 0, largest = 0;
        foreach (var p in parameters)
        {
            count = checked(count + p.ElementCount);
            largest = Math.Max(largest, p.ElementCount);
        }
        return new MemoryEstimate(config.ModelType, count, dtype, parameterBytes,
            checked(largest * (StoredElementBytes + element)),
            checked((long)(parameterBytes * SlackFraction) + ActivationBytes), quantization);
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"a {ModelType} model of {ParameterCount:N0} parameters as {SafetensorsDType.NameOf(DType) ?? DType.ToString()}{(Quantization is { } q ? $", block linear weights packed as {q.Describe()}" : "")} " +
        $"({MemoryGuard.Gib(ParameterBytes)} parameters + {MemoryGuard.Gib(LoadBufferBytes)} load buffer + {MemoryGuard.Gib(WorkingBytes)} working margin)");

    /// <summary>Throws <see cref="RelensException"/> naming <paramref name="directory"/>, the estimate and what is available if it does not fit.</summary>
    public void EnsureFits(string directory) => MemoryGuard.EnsureFits(TotalBytes, $"{directory}: loading {Describe()}");
}
