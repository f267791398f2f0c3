using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Evaluation;

/// <summary>
/// The test facts an LM knows under one n-shot prompt, and the rules the faithfulness and causality tests apply to
/// them, written once for the sweep (Sweeps/RelationSweep, which `relens run` and the world model's LRE check use)
/// and `relens eval` (Runs/SavedLreEvaluator): the known-fact filter (<see cref="KnownFacts"/>), the edit pairs
/// between known facts (<see cref="CausalityTargets"/>) and the best rank (<see cref="BestRank"/>).
/// </summary>
public sealed class KnownTestFacts
{
    private readonly long[] _index;
    private readonly List<RelationSample> _samples;

    private KnownTestFacts(IReadOnlyList<int> indices, List<RelationSample> samples, IReadOnlyList<SubjectPrompt> prompts, string[] lmAnswers)
    {
        Indices = indices;
        _index = indices.Select(i => (long)i).ToArray();
        _samples = samples;
        Prompts = prompts;
        LmAnswers = lmAnswers;
    }

    /// <summary>The facts of <paramref name="test"/> whose prompts (<paramref name="prompts"/>, read into
    /// <paramref name="states"/>, all in the same order) the LM answers: its own top-1 is a non-trivial prefix of the object.</summary>
    public static KnownTestFacts Select(LanguageModel lm, PromptStates states, IReadOnlyList<RelationSample> test, IReadOnlyList<SubjectPrompt> prompts) =>
        At(KnownFacts.Indices(lm, states, test), lm, states, test, prompts);

    /// <summary>Every fact of <paramref name="test"/> counted as known, without the filter: for benchmarks only
    /// (`relens bench --sweep` on a random model, which knows no fact; the protocol's cost does not depend on which
    /// facts are known). The LM's answers are read as <see cref="Select"/> reads them.</summary>
    public static KnownTestFacts All(LanguageModel lm, PromptStates states, IReadOnlyList<RelationSample> test, IReadOnlyList<SubjectPrompt> prompts) =>
        At(Enumerable.Range(0, test.Count).ToList(), lm, states, test, prompts);

    private static KnownTestFacts At(IReadOnlyList<int> known, LanguageModel lm, PromptStates states, IReadOnlyList<RelationSample> test, IReadOnlyList<SubjectPrompt> prompts)
    {
        if (prompts.Count != test.Count) throw new ArgumentException($"{prompts.Count} prompts for {test.Count} test facts");
        return new(known, known.Select(i => test[i]).ToList(), known.Select(i => prompts[i]).ToList(),
            known.Select(i => lm.Tokenizer.Decode(states.LmTopIds[i][0])).ToArray());
    }

    /// <summary>Where the known facts are in the test set, in order.</summary>
    public IReadOnlyList<int> Indices { get; }

    public int Count => Indices.Count;

    public IReadOnlyList<RelationSample> Samples => _samples;

    public IReadOnlyList<SubjectPrompt> Prompts { get; }

    /// <summary>The LM's own top-1 token for each known fact (what a faithfulness record shows beside the operator's).</summary>
    public string[] LmAnswers { get; }

    /// <summary>The known facts' rows of a tensor with one row per test prompt (h at a layer, z): [test, …] → [known, …].</summary>
    public Tensor Rows(Tensor perTestPrompt)
    {
        using var scope = torch.NewDisposeScope();
        return perTestPrompt.index_select(0, torch.tensor(_index)).MoveToOuterDisposeScope();
    }

    /// <summary>The causality test's edits: each known fact paired with another known fact of a different subject and
    /// object, drawn with <paramref name="seed"/>; (source, target) index into <see cref="Samples"/>.</summary>
    public IReadOnlyList<(int Source, int Target)> EditPairs(long seed) =>
        CausalityTargets.Pair(_samples, seed).Select(p => (_samples.IndexOf(p.Source), _samples.IndexOf(p.Target))).ToList();

    /// <summary>The rank with the highest efficacy, the lower rank on a tie (the paper chooses it on the test set);
    /// null when no rank was tried.</summary>
    public static CausalityResult? BestRank(IEnumerable<CausalityResult> results) =>
        results.OrderByDescending(r => r.Efficacy).ThenBy(r => r.Rank).FirstOrDefault();
}
