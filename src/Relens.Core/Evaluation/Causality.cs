using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Evaluation;

/// <summary>One edit: make subject s answer o′ (the object of s′).</summary>
public sealed record CausalityEdit(string Subject, string Object, string TargetSubject, string TargetObject, string Result, bool Success);

public sealed record CausalityResult(string Method, int Rank, double Efficacy, IReadOnlyList<CausalityEdit> Edits);

/// <summary>
/// Causality (LRE-METHOD §5): Δs = W⁺_ρ (z′ − z) with the rank-ρ pseudo-inverse of the UNSCALED W, added to
/// layer ℓ at s's last subject token; success if the edited LM's top-1 token is a prefix of o′.
/// Plus the §6 baselines that substitute s's state: s′ (the target subject's state), e (the unembedding row
/// of o′'s first token, rescaled to ‖h‖) and o′ (the target's z).
/// </summary>
public sealed class Causality : IDisposable
{
    private readonly Tensor _u, _s, _vt;

    /// <summary>Factorises W once (float32 SVD); <see cref="PseudoInverse"/> then costs one matmul per rank.</summary>
    public Causality(LinearRelation lre)
    {
        Lre = lre;
        using var scope = torch.NewDisposeScope();
        var (u, s, vt) = torch.linalg.svd(lre.Weight.to(ScalarType.Float32), fullMatrices: false);
        _u = u.DetachFromDisposeScope(); _s = s.DetachFromDisposeScope(); _vt = vt.DetachFromDisposeScope();
    }

    public LinearRelation Lre { get; }

    /// <summary>W⁺_ρ = V[:, :ρ]·diag(1/S[:ρ])·U[:, :ρ]ᵀ; ρ = 0 gives the zero matrix.</summary>
    public Tensor PseudoInverse(int rank)
    {
        long d = Lre.Dim;
        if (rank < 0 || rank > d) throw new RelensException($"rank {rank} is out of range 0..{d} (the LRE is {d}×{d})");
        using var scope = torch.NewDisposeScope();
        if (rank == 0) return torch.zeros(d, d).MoveToOuterDisposeScope();
        var v = _vt.narrow(0, 0, rank).t();
        var inv = (1.0 / _s.narrow(0, 0, rank)).diag();
        return v.matmul(inv).matmul(_u.narrow(1, 0, rank).t()).MoveToOuterDisposeScope();
    }

    /// <summary>LRE edits at each rank. <paramref name="z"/> [N, d] are the z of <paramref name="prompts"/>; pairs index into them.</summary>
    public IReadOnlyList<CausalityResult> Evaluate(LanguageModel lm, IReadOnlyList<SubjectPrompt> prompts, IReadOnlyList<RelationSample> samples,
        Tensor z, IReadOnlyList<(int Source, int Target)> pairs, IEnumerable<int> ranks)
    {
        using var scope = torch.NewDisposeScope();
        var (sources, targets) = Index(pairs);
        var dz = z.index_select(0, targets) - z.index_select(0, sources);                // [P, d]
        var edited = pairs.Select(p => prompts[p.Source]).ToList();
        var results = new List<CausalityResult>();
        foreach (int rank in ranks)
        {
            var delta = torch.matmul(dz, PseudoInverse(rank).t());
            var top = SubjectEdits.Top1(lm, edited, Lre.Layer, delta, SubjectEdits.Mode.Add);
            results.Add(Score(lm, $"LRE", rank, samples, pairs, top));
        }
        return results;
    }

    /// <summary>The substitution baselines of §6 at the LRE's layer.</summary>
    public static IReadOnlyList<CausalityResult> Baselines(LanguageModel lm, LayerRef layer, IReadOnlyList<SubjectPrompt> prompts,
        IReadOnlyList<RelationSample> samples, Tensor h, Tensor z, IReadOnlyList<(int Source, int Target)> pairs)
    {
        using var scope = torch.NewDisposeScope();
        var (sources, targets) = Index(pairs);
        var edited = pairs.Select(p => prompts[p.Source]).ToList();
        var hs = h.index_select(0, sources);
        // e: the unembedding row of the first token of " " + o′, rescaled to ‖h‖
        var firstTokens = pairs.Select(p => (long)FirstToken(lm, samples[p.Target].Object)).ToArray();
        var rows = UnembeddingRows(lm, firstTokens);
        var e = rows / rows.norm(1, true) * hs.norm(1, true);
        var results = new List<CausalityResult>();
        foreach (var (name, vectors) in new[] { ("s'", h.index_select(0, targets)), ("e", e), ("o'", z.index_select(0, targets)) })
        {
            var top = SubjectEdits.Top1(lm, edited, layer, vectors, SubjectEdits.Mode.Replace);
            results.Add(Score(lm, name, -1, samples, pairs, top));
        }
        return results;
    }

    public static int FirstToken(LanguageModel lm, string obj)
    {
        var ids = lm.Tokenizer.Encode(" " + obj, addSpecialTokens: false).Ids;
        return ids.Length > 0 ? ids[0] : throw new RelensException($"object '{obj}' has no tokens");
    }

    private static Tensor UnembeddingRows(LanguageModel lm, long[] tokenIds) =>
        lm.Model.UnembeddingWeight.detach().index_select(0, torch.tensor(tokenIds)).to(ScalarType.Float32); // [P, d]

    private static CausalityResult Score(LanguageModel lm, string method, int rank, IReadOnlyList<RelationSample> samples,
        IReadOnlyList<(int Source, int Target)> pairs, int[] top)
    {
        var edits = pairs.Select((p, i) =>
        {
            string token = lm.Tokenizer.Decode(top[i]);
            var s = samples[p.Source]; var t = samples[p.Target];
            return new CausalityEdit(s.Subject, s.Object, t.Subject, t.Object, token, PrefixMatch.IsNontrivialPrefix(token, t.Object));
        }).ToList();
        return new CausalityResult(method, rank, edits.Count == 0 ? 0 : edits.Count(e => e.Success) / (double)edits.Count, edits);
    }

    private static (Tensor Sources, Tensor Targets) Index(IReadOnlyList<(int Source, int Target)> pairs) =>
        (torch.tensor(pairs.Select(p => (long)p.Source).ToArray()), torch.tensor(pairs.Select(p => (long)p.Target).ToArray()));

    public void Dispose() { _u.Dispose(); _s.Dispose(); _vt.Dispose(); }
}
