using Relens.Lre;
using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

/// <summary>
/// New values for some of a model's parameters (by parameter name, in the parameter's dtype), owned by this
/// object; <see cref="Untied"/> when a tied unembedding was split off into its own lm_head.weight so that
/// editing embedding rows leaves the output distribution alone.
/// </summary>
public sealed class WeightChanges : IDisposable
{
    private readonly Dictionary<string, Tensor> _values = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Tensor> Values => _values;
    public bool Untied { get; private set; }
    /// <summary>Per changed parameter: what changed, for edits.json.</summary>
    public List<ChangedTensor> Described { get; } = [];

    public const string UntiedHeadName = "lm_head.weight";

    public void Set(string name, Tensor value) =>
        _values[name] = value.detach().clone().DetachFromDisposeScope();

    /// <summary>Copies the new values into <paramref name="model"/>'s parameters (not possible for an untie, which changes the module tree).</summary>
    public void ApplyInPlace(TransformerLM model)
    {
        if (Untied) throw new InvalidOperationException("an untied embedding edit cannot be applied in place; write the folder and load it");
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = torch.no_grad();
        foreach (var (name, value) in _values) parameters[name].copy_(value);
    }

    public void Dispose() { foreach (var t in _values.Values) t.Dispose(); _values.Clear(); }

    /// <summary>
    /// The LRE edits as weights. Layer emb: each edit adds its Δh to the embedding rows of its subject's last token
    /// (as tokenized in every key context), a row shared by several edits getting their mean. Block ℓ: the MLP output
    /// projection gets ROME's rank-one update (one edit at ℓ) or MEMIT's least-squares update (several).
    /// </summary>
    public static WeightChanges ForLre(LanguageModel lm, IReadOnlyList<PlannedEdit> edits, Func<int, Tensor> covariance, double lambda)
    {
        var changes = new WeightChanges();
        try
        {
            foreach (var group in edits.GroupBy(e => e.Layer))
            {
                using var scope = torch.NewDisposeScope();
                if (group.Key.Block is not { } block) changes.EmbeddingRows(lm, group.ToList());
                else changes.MlpUpdate(lm, block, group.ToList(), covariance(block), lambda);
            }
            return changes;
        }
        catch { changes.Dispose(); throw; }
    }

    private void EmbeddingRows(LanguageModel lm, List<PlannedEdit> edits)
    {
        var te = lm.Model.TokenEmbeddingWeight
            ?? throw new RelensException($"model_type '{lm.ModelType}': embedding-row edits (layer emb) support gpt2 and llama/mistral, whose emb state is the embedding row itself");
        var rows = new Dictionary<int, List<float[]>>();
        foreach (var e in edits)
            foreach (int token in SubjectTokens(lm, e).Distinct())
                (rows.TryGetValue(token, out var l) ? l : rows[token] = []).Add(e.Delta);
        var weight = te.Weight.detach().clone();
        foreach (var (token, deltas) in rows)
        {
            var mean = torch.tensor(deltas.SelectMany(x => x).ToArray(), [deltas.Count, deltas[0].Length]).mean([0]);
            weight[token].add_(mean.to(weight.dtype));
        }
        if (te.Tied && !_values.ContainsKey(UntiedHeadName))
        {
            Set(UntiedHeadName, te.Weight);
            Untied = true;
            Described.Add(new ChangedTensor(UntiedHeadName, "new: a copy of the tied embedding, so the unembedding stays as it was", null, 0));
        }
        Set(te.ParameterName, weight);
        Described.Add(new ChangedTensor(te.ParameterName, $"{rows.Count} row(s) changed (token ids {string.Join(", ", rows.Keys.Order().Take(20))}{(rows.Count > 20 ? ", …" : "")})",
            rows.Keys.Order().ToList(), MaxAbs(weight - te.Weight)));
    }

    /// <summary>The token ids of the subject's last token in each context its key is read from (" Paris" and "Paris" differ).</summary>
    internal static IEnumerable<int> SubjectTokens(LanguageModel lm, PlannedEdit e) =>
        e.Context.KeyPrompts(lm, e.Subject).Select(p => p.Tokens.Ids[p.SubjectIndex]);

    private void MlpUpdate(LanguageModel lm, int block, List<PlannedEdit> edits, Tensor c, double lambda)
    {
        var proj = lm.Model.MlpOutputProjection(block)
            ?? throw new RelensException($"model_type '{lm.ModelType}': rank-one MLP edits support gpt2 and llama/mistral; use --layer emb");
        var keys = torch.stack(edits.Select(e => SubjectKeys.Mean(lm, block, e.Context.KeyPrompts(lm, e.Subject))).ToArray());   // [N, m]
        var residuals = torch.tensor(edits.SelectMany(e => e.Delta).ToArray(), [edits.Count, edits[0].Delta.Length]); // [N, d]
        var delta = edits.Count == 1 ? KeyValueUpdate.RankOne(residuals[0], keys[0], c) : KeyValueUpdate.Batch(residuals, keys, c, lambda); // [d, m]
        var w = proj.Weight.detach();
        var updated = w + (proj.KeysAreRows ? delta.t() : delta).to(w.dtype);
        Set(proj.ParameterName, updated);
        Described.Add(new ChangedTensor(proj.ParameterName, edits.Count == 1 ? "ROME rank-one update" : $"MEMIT least-squares update of {edits.Count} edits (λ = {lambda})",
            null, MaxAbs(updated - w)));
    }

    private static double MaxAbs(Tensor t) => t.abs().max().to(ScalarType.Float64).item<double>();
}

public sealed record ChangedTensor(string Name, string Change, IReadOnlyList<int>? Rows, double MaxAbsChange);
