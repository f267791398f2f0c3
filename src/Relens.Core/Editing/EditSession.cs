using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>
/// A loaded source model and what every edit of it re-uses: its relations, its text, the unedited model's top-1
/// answer per prompt text, its perplexity and the key statistics C per block. `relens edit` opens one for one edit
/// set; the experiment (<see cref="EditExperiment"/>) keeps one for all its sets, so the unedited model is measured
/// once. Memory: one int per prompt read, one perplexity per token budget and one m×m float64 C per block.
/// </summary>
public sealed class EditSession : IDisposable
{
    private readonly Dictionary<string, int> _top1 = new(StringComparer.Ordinal);
    private readonly Dictionary<long, double> _perplexity = [];
    private readonly Dictionary<(int Block, long Tokens), Tensor> _covariance = [];

    private readonly bool _ownsModel;

    private EditSession(LanguageModel lm, RelationDataset dataset, string relationsDir, EditText? text, bool ownsModel)
    {
        _ownsModel = ownsModel;
        Lm = lm;
        Dataset = dataset;
        RelationsDir = relationsDir;
        Text = text;
    }

    public LanguageModel Lm { get; }
    public RelationDataset Dataset { get; }
    public string RelationsDir { get; }
    public EditText? Text { get; }

    public static EditSession Open(string modelDir, string? relationsDir, string? textFile)
    {
        string relations = RelationDataRoot.Resolve(relationsDir);
        var lm = LanguageModel.Load(modelDir);
        try { return new EditSession(lm, KnowledgeEditor.Dataset(lm.Directory, relations), relations, EditText.For(lm.Directory, textFile, relations), ownsModel: true); }
        catch { lm.Dispose(); throw; }
    }

    /// <summary>A session on a model that is already loaded (`relens run --edits` edits the run's own model); the
    /// caller keeps owning <paramref name="lm"/>. The edits never change it: each edited model is written and loaded apart.</summary>
    public static EditSession ForModel(LanguageModel lm, string? relationsDir, string? textFile)
    {
        string relations = RelationDataRoot.Resolve(relationsDir);
        return new EditSession(lm, KnowledgeEditor.Dataset(lm.Directory, relations), relations, EditText.For(lm.Directory, textFile, relations), ownsModel: false);
    }

    /// <summary>The unedited model's top-1 next token for each prompt, read once per distinct prompt text
    /// (in the order given, one left-padded read of the prompts not seen yet).</summary>
    public int[] Top1(IReadOnlyList<SubjectPrompt> prompts)
    {
        var missing = prompts.Where(p => !_top1.ContainsKey(p.Text)).DistinctBy(p => p.Text).ToList();
        if (missing.Count > 0)
        {
            using var states = PromptStates.Read(Lm, missing, [], topK: 1);
            for (int i = 0; i < missing.Count; i++) _top1[missing[i].Text] = states.LmTopIds[i][0];
        }
        return prompts.Select(p => _top1[p.Text]).ToArray();
    }

    /// <summary>The unedited model's perplexity on the held-out text (null without text), measured once per token budget.</summary>
    public double? PerplexityBefore(long tokens)
    {
        if (Text is null) return null;
        if (!_perplexity.TryGetValue(tokens, out double p)) _perplexity[tokens] = p = Perplexity.Measure(Lm, Text.Fluency, tokens);
        return p;
    }

    /// <summary>C = E[k kᵀ] of <paramref name="block"/> over <paramref name="tokens"/> tokens of the statistics text,
    /// estimated once; <paramref name="seconds"/> is the time it took now (0 when it was already known). Owned by the session.</summary>
    public Tensor Covariance(int block, long tokens, out double seconds)
    {
        seconds = 0;
        if (_covariance.TryGetValue((block, tokens), out var c)) return c;
        if (Text is null) throw new RelensException("an MLP edit needs text for the key statistics C = E[k kᵀ]: give --text FILE (the world corpus is used for world models)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        c = KeyStatistics.Estimate(Lm, block, Text.Statistics, tokens).C.DetachFromDisposeScope();
        _covariance[(block, tokens)] = c;
        seconds = clock.Elapsed.TotalSeconds;
        return c;
    }

    public void Dispose()
    {
        foreach (var c in _covariance.Values) c.Dispose();
        _covariance.Clear();
        if (_ownsModel) Lm.Dispose();
    }
}
