using TorchSharp;

namespace Relens.Models;

/// <summary>An MLP output projection: its parameter name (= checkpoint key) and weight. With
/// <paramref name="KeysAreRows"/> the weight is [hidden, d] and out = k·W (GPT-2's Conv1D); otherwise
/// [d, hidden] and out = W·k (nn.Linear).</summary>
public sealed record MlpProjection(string ParameterName, torch.Tensor Weight, bool KeysAreRows);

/// <summary>The token embedding [V, d]; <paramref name="Tied"/> when the unembedding reads the same matrix.</summary>
public sealed record TokenEmbedding(string ParameterName, torch.Tensor Weight, bool Tied);
