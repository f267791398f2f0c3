namespace Relens.Tracing;

/// <summary>
/// Traces of many prompts averaged by token role (<see cref="TokenRoles"/>): each role row is the mean over every
/// token of that role in every prompt (ROME's add_all), null if no prompt has such a token.
/// </summary>
public sealed record AveragedTrace(TraceKind Kind, int Prompts, double Clean, double Corrupted, double?[][] Scores, int Window)
{
    public static AveragedTrace Of(TraceKind kind, IReadOnlyList<StateTrace> traces, int layers)
    {
        var sums = new double[TokenRoles.Names.Length, layers];
        var counts = new int[TokenRoles.Names.Length];
        foreach (var t in traces)
        {
            var roles = TokenRoles.Tokens(t.SubjectFirst, t.SubjectLast, t.Tokens.Length);
            for (int r = 0; r < roles.Length; r++)
                foreach (int token in roles[r])
                {
                    counts[r]++;
                    for (int l = 0; l < layers; l++) sums[r, l] += t.Scores[token][l];
                }
        }
        var scores = new double?[TokenRoles.Names.Length][];
        for (int r = 0; r < scores.Length; r++)
            scores[r] = Enumerable.Range(0, layers).Select(l => counts[r] == 0 ? (double?)null : sums[r, l] / counts[r]).ToArray();
        return new AveragedTrace(kind, traces.Count, Mean(traces.Select(t => t.Answer.Probability)), Mean(traces.Select(t => t.Corrupted)), scores,
            traces.Count > 0 ? traces[0].Window : 1);
    }

    internal static double Mean(IEnumerable<double> xs) { var a = xs.ToArray(); return a.Length == 0 ? double.NaN : a.Average(); }
}

/// <summary>Knockout traces of many prompts: mean p(answer) and mean relative change per window and per "from ℓ on".</summary>
public sealed record AveragedKnockout(int Prompts, double Clean, double[] Window, double[] FromLayer, double[] WindowChange, double[] FromLayerChange, int WindowSize)
{
    public static AveragedKnockout Of(IReadOnlyList<KnockoutTrace> traces, int layers, int windowSize)
    {
        double[] Avg(Func<KnockoutTrace, double[]> pick) =>
            Enumerable.Range(0, layers).Select(l => AveragedTrace.Mean(traces.Select(t => pick(t)[l]))).ToArray();
        return new AveragedKnockout(traces.Count, AveragedTrace.Mean(traces.Select(t => t.Answer.Probability)),
            Avg(t => t.Window), Avg(t => t.FromLayer), Avg(t => t.WindowChange), Avg(t => t.FromLayerChange), windowSize);
    }
}
