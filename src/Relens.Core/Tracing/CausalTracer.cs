using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tracing;

/// <summary>
/// Causal tracing (Meng et al. 2022) and attention knockout (Geva et al. 2023) of single prompts, on any architecture:
/// noise enters at hook_embed, restorations replace the corrupted run's activations at hook points with the clean
/// run's, knockout edits the attention scores (<see cref="ForwardInput.ScoreEdit"/>). Restorations are batched: each
/// forward pass runs several restorations × all noise samples as one batch of the corrupted prompt, as many as
/// <see cref="TraceOptions.MemoryBudgetBytes"/> allows.
/// </summary>
public sealed class CausalTracer
{
    private readonly LanguageModel _lm;
    private readonly TraceOptions _options;

    public CausalTracer(LanguageModel lm, TraceOptions options, double sigma)
    {
        options.Validate(lm.Model.NumLayers);
        _lm = lm;
        _options = options;
        Sigma = sigma;
    }

    /// <summary>Measures σ from the model (<see cref="NoiseScale.Sigma"/>).</summary>
    public CausalTracer(LanguageModel lm, TraceOptions options) : this(lm, options, NoiseScale.Sigma(lm.Model, options)) { }

    public double Sigma { get; }
    public TraceOptions Options => _options;
    public int NumLayers => _lm.Model.NumLayers;

    /// <summary>Forward passes run so far (the benchmark reports them).</summary>
    public long ForwardPasses { get; private set; }

    /// <summary>The clean run's top-1 next token and its probability.</summary>
    public CleanPrediction Clean(TracePrompt prompt)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var probs = Probabilities(Run(prompt, 1, null, []));
        int id = (int)probs[0].argmax().item<long>();
        return new CleanPrediction(id, _lm.Tokenizer.Decode(id), probs[0, id].to(ScalarType.Float64).item<double>());
    }

    /// <summary>A state trace (every token from the subject on × every layer) of the given kind.</summary>
    public StateTrace Trace(TracePrompt prompt, TraceKind kind, CleanPrediction? answer = null)
    {
        if (kind == TraceKind.Knockout) throw new ArgumentException("use Knockout() for attention knockout", nameof(kind));
        answer ??= Clean(prompt);
        int firstToken = _options.AllTokens ? 0 : prompt.SubjectFirst;
        int window = kind == TraceKind.State ? 1 : _options.Window;
        var cells = new List<Restoration>();
        for (int t = firstToken; t < prompt.Count; t++)
            for (int l = 0; l < NumLayers; l++)
                cells.Add(new Restoration(RestoredStates(kind, l, t)));
        double corrupted = Restored(prompt, answer.AnswerId, [new Restoration([])])[0];
        var restored = Restored(prompt, answer.AnswerId, cells);
        var scores = new double[prompt.Count][];
        for (int t = 0; t < prompt.Count; t++)
            scores[t] = t < firstToken ? Enumerable.Repeat(corrupted, NumLayers).ToArray()
                : restored.Skip((t - firstToken) * NumLayers).Take(NumLayers).ToArray();
        return new StateTrace(kind, prompt.Text, prompt.Subject, prompt.Tokens.Ids.Select(_lm.Tokenizer.Decode).ToArray(),
            prompt.SubjectFirst, prompt.SubjectLast, answer, corrupted, scores, window, Sigma, _options.Samples, firstToken);
    }

    private IReadOnlyList<(string Hook, int Token)> RestoredStates(TraceKind kind, int layer, int token) => kind switch
    {
        TraceKind.State => [(HookNames.ResidPost(layer), token)],
        TraceKind.Mlp => LayerWindow.Around(layer, _options.Window, NumLayers).Select(l => (HookNames.MlpOut(l), token)).ToArray(),
        TraceKind.Attn => LayerWindow.Around(layer, _options.Window, NumLayers).Select(l => (HookNames.AttnOut(l), token)).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Mean p(answer) over the noise samples of the subject-corrupted prompt with each restoration's states set to
    /// their clean values (an empty restoration = the corrupted run). Sample s gets the same noise in every
    /// restoration and every batch layout (one seeded draw per prompt).
    /// </summary>
    public double[] Restored(TracePrompt prompt, int answerId, IReadOnlyList<Restoration> restorations)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        int s = _options.Samples, nSubject = prompt.SubjectLast - prompt.SubjectFirst + 1;
        var hooks = restorations.SelectMany(r => r.States.Select(x => x.Hook)).Distinct().ToList();
        var clean = new Dictionary<string, Tensor>();
        using (var capture = new ActivationCapture(_lm.Model.HookPoints, hooks))
        {
            Run(prompt, 1, null, []);
            foreach (var h in hooks) clean[h] = capture[h][0].clone();    // [T, d]
        }
        Tensor noise;
        using (var generator = new Generator(unchecked((ulong)_options.Seed), torch.CPU))
            noise = (torch.randn([s, nSubject, _lm.Model.HiddenSize], ScalarType.Float64, generator: generator) * Sigma).to(_lm.Model.DType);

        var result = new double[restorations.Count];
        int perPass = CellsPerForward(prompt.Count);
        for (int start = 0; start < restorations.Count; start += perPass)
        {
            using var step = torch.NewDisposeScope();
            var chunk = restorations.Skip(start).Take(perPass).ToList();
            var probs = Probabilities(Run(prompt, chunk.Count * s, NoiseHook(prompt, noise, chunk.Count), RestoreHooks(chunk, clean, s)));
            var mean = probs.select(1, answerId).view(chunk.Count, s).mean([1]).to(ScalarType.Float64).data<double>().ToArray();
            mean.CopyTo(result, start);
        }
        return result;
    }

    /// <summary>Adds the seeded noise to the subject's token embeddings of every row (row r gets sample r mod S).</summary>
    private static Func<Tensor, Tensor> NoiseHook(TracePrompt prompt, Tensor noise, int copies) => emb =>
    {
        var n = noise.repeat(copies, 1, 1).to(emb.dtype);
        long first = prompt.SubjectFirst, count = noise.shape[1];
        return torch.cat([emb.narrow(1, 0, first), emb.narrow(1, first, count) + n, emb.narrow(1, first + count, emb.shape[1] - first - count)], 1);
    };

    /// <summary>Per hook point, the rows (restoration c → rows c·S … c·S+S−1) and token columns to set to the clean value.</summary>
    private static IEnumerable<(string Hook, Func<Tensor, Tensor> Edit)> RestoreHooks(List<Restoration> chunk, Dictionary<string, Tensor> clean, int samples)
    {
        var byHook = new Dictionary<string, (List<long> Rows, List<long> Cols)>();
        for (int c = 0; c < chunk.Count; c++)
            foreach (var (hook, token) in chunk[c].States)
            {
                if (!byHook.TryGetValue(hook, out var lists)) byHook[hook] = lists = ([], []);
                for (int r = 0; r < samples; r++) { lists.Rows.Add(c * samples + r); lists.Cols.Add(token); }
            }
        foreach (var (hook, (rowList, colList)) in byHook)
        {
            var values = clean[hook];
            yield return (hook, act =>
            {
                var rows = torch.tensor(rowList.ToArray(), dtype: ScalarType.Int64);
                var cols = torch.tensor(colList.ToArray(), dtype: ScalarType.Int64);
                var result = act.clone();
                result.index_put_(values.index_select(0, cols).to(act.dtype), rows, cols);
                return result;
            });
        }
    }

    /// <summary>
    /// Attention knockout: p(answer) with the last position's attention to the subject's tokens blocked (scores set to
    /// the mask's minimum, −∞ in effect) in the window around each layer and from each layer on; all 2L runs batched.
    /// </summary>
    public KnockoutTrace Knockout(TracePrompt prompt, CleanPrediction? answer = null)
    {
        answer ??= Clean(prompt);
        var sets = Enumerable.Range(0, NumLayers).Select(l => LayerWindow.Around(l, _options.KnockoutWindow, NumLayers))
            .Concat(Enumerable.Range(0, NumLayers).Select(l => LayerWindow.FromOn(l, NumLayers))).ToList();
        var probs = KnockedOut(prompt, answer.AnswerId, sets);
        return new KnockoutTrace(prompt.Text, prompt.Subject, prompt.Tokens.Ids.Select(_lm.Tokenizer.Decode).ToArray(),
            prompt.SubjectFirst, prompt.SubjectLast, answer, probs[..NumLayers], probs[NumLayers..], _options.KnockoutWindow);
    }

    /// <summary>p(answer) of the clean prompt with last → subject attention blocked in each set of layers.</summary>
    public double[] KnockedOut(TracePrompt prompt, int answerId, IReadOnlyList<IReadOnlyList<int>> layerSets)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var result = new double[layerSets.Count];
        int perPass = Math.Max(1, CellsPerForward(prompt.Count) * _options.Samples);
        long t = prompt.Count;
        for (int start = 0; start < layerSets.Count; start += perPass)
        {
            using var step = torch.NewDisposeScope();
            var chunk = layerSets.Skip(start).Take(perPass).ToList();
            var masks = new Dictionary<int, Tensor>();
            for (int l = 0; l < NumLayers; l++)
            {
                var rows = Enumerable.Range(0, chunk.Count).Where(r => chunk[r].Contains(l)).ToList();
                if (rows.Count == 0) continue;
                var m = torch.zeros([chunk.Count, 1, t, t], ScalarType.Bool);
                foreach (var r in rows) m[r, 0, t - 1, TensorIndex.Slice(prompt.SubjectFirst, prompt.SubjectLast + 1)] = true;
                masks[l] = m;
            }
            Tensor Edit(int layer, Tensor scores) =>
                masks.TryGetValue(layer, out var m) ? scores.masked_fill(m, AttentionMasks.MinValue(scores.dtype)) : scores;
            var probs = Probabilities(Run(prompt, chunk.Count, null, [], Edit));
            probs.select(1, answerId).to(ScalarType.Float64).data<double>().ToArray().CopyTo(result, start);
        }
        return result;
    }

    /// <summary>Restorations per forward pass: each is S rows of T tokens; a row's activations cost about
    /// 4 bytes × T × (24·d + 16·T) (block intermediates and attention scores) plus its last-position logits.</summary>
    private int CellsPerForward(int tokens)
    {
        long d = _lm.Model.HiddenSize, bytesPerRow = 4L * tokens * (24 * d + 16L * tokens) + 8L * _lm.Model.VocabSize;
        long rows = Math.Max(1, _options.MemoryBudgetBytes / bytesPerRow);
        int cells = (int)Math.Max(1, rows / _options.Samples);
        return Math.Min(cells, _options.MaxCellsPerForward ?? int.MaxValue);
    }

    /// <summary>Runs <paramref name="batch"/> copies of the prompt with the given hooks; returns last-position softmax [B, V] (float32+).</summary>
    private Tensor Run(TracePrompt prompt, int batch, Func<Tensor, Tensor>? embedHook, IEnumerable<(string Hook, Func<Tensor, Tensor> Edit)> edits,
        Func<int, Tensor, Tensor>? scoreEdit = null)
    {
        var registrations = new List<IDisposable>();
        try
        {
            if (embedHook is not null) registrations.Add(_lm.Model.Hook(HookNames.Embed).Add(embedHook));
            foreach (var (hook, edit) in edits) registrations.Add(_lm.Model.Hook(hook).Add(edit));
            var ids = torch.tensor(prompt.Tokens.Ids.Select(i => (long)i).ToArray(), dtype: ScalarType.Int64).unsqueeze(0).expand(batch, prompt.Count);
            ForwardPasses++;
            return _lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.Last, ScoreEdit = scoreEdit }).Logits!;
        }
        finally
        {
            foreach (var r in registrations) r.Dispose();
        }
    }

    private static Tensor Probabilities(Tensor logits) =>
        nn.functional.softmax(logits.to(AttentionKernel.SoftmaxType(logits.dtype)), -1);
}

/// <summary>States restored together in one corrupted run: (hook point, token) pairs.</summary>
public sealed record Restoration(IReadOnlyList<(string Hook, int Token)> States);
