namespace Relens.Tracing;

/// <summary>One prompt's clean prediction: the answer token every trace of the prompt follows, and its probability.</summary>
public sealed record CleanPrediction(int AnswerId, string Answer, double Probability);

/// <summary>
/// Causal tracing of one prompt (state, mlp or attn kind): p(answer) clean, with the subject corrupted, and with
/// each (token, layer) restored. <see cref="Scores"/>[t][ℓ] is the probability with the state at token t restored at
/// layer ℓ (state: the output of block ℓ; mlp/attn: the MLP or attention outputs of the window around ℓ).
/// Tokens before <see cref="FirstTracedToken"/> were not run: noise added at the subject cannot reach them under
/// causal attention, so restoring them gives the corrupted run; their rows hold <see cref="Corrupted"/>.
/// </summary>
public sealed record StateTrace(
    TraceKind Kind, string Prompt, string Subject, string[] Tokens, int SubjectFirst, int SubjectLast,
    CleanPrediction Answer, double Corrupted, double[][] Scores, int Window, double Sigma, int Samples, int FirstTracedToken)
{
    public int Layers => Scores.Length == 0 ? 0 : Scores[0].Length;
}

/// <summary>
/// Attention knockout of one prompt: the edges from the last position to the subject's tokens blocked in the window
/// of layers around each layer ℓ (<see cref="Window"/>[ℓ]) and in every layer ≥ ℓ (<see cref="FromLayer"/>[ℓ]);
/// values are p(answer) with the edges blocked.
/// </summary>
public sealed record KnockoutTrace(
    string Prompt, string Subject, string[] Tokens, int SubjectFirst, int SubjectLast,
    CleanPrediction Answer, double[] Window, double[] FromLayer, int WindowSize)
{
    /// <summary>Geva et al.'s measure: (p_knocked − p_clean) / p_clean.</summary>
    public double[] WindowChange => Window.Select(Relative).ToArray();
    public double[] FromLayerChange => FromLayer.Select(Relative).ToArray();
    private double Relative(double p) => (p - Answer.Probability) / Answer.Probability;
}
