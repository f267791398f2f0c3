using Relens.Evaluation;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Sweeps;

namespace Relens.Tracing;

/// <summary>
/// The facts of a relation a trace averages over: the prompts `relens run` builds (trial 0: the seeded n-shot split,
/// the test subjects in the operator's ICL prompt), or with zero-shot the paper's zero-shot prompt for every sample,
/// kept only where the model knows the fact (<see cref="RelationSweep.IsKnownFact"/>).
/// </summary>
public static class TraceFacts
{
    public sealed record Selection(IReadOnlyList<TracePrompt> Known, int Candidates, string PromptNote);

    public static Selection Select(LanguageModel lm, Relation relation, int shots, long seed, bool zeroShot, int maxFacts)
    {
        if (maxFacts < 1) throw new RelensException($"--max-facts must be at least 1, got {maxFacts}");
        List<(RelationSample Sample, string Prompt)> candidates;
        string note;
        if (zeroShot)
        {
            string template = relation.ZeroShotTemplates.Count > 0 ? relation.ZeroShotTemplates[0] : relation.PromptTemplate;
            candidates = relation.Samples.Select(s => (s, IclPrompt.ZeroShot(template, s.Subject, lm.Tokenizer.EosToken ?? ""))).ToList();
            note = $"zero-shot prompts (\"{template}\"), every sample";
        }
        else
        {
            if (shots < 1) throw new RelensException($"--shots must be at least 1, got {shots}");
            if (relation.Samples.Count <= shots)
                throw new RelensException($"relation '{relation.Name}' has {relation.Samples.Count} samples: not enough for {shots} shots plus test facts; use fewer --shots or --zero-shot");
            var split = relation.Split(shots, seed);
            string operatorTemplate = IclPrompt.Template(relation.PromptTemplate, split.Train.Samples, lm.PromptPrefix);
            candidates = split.Test.Samples.Select(s => (s, IclPrompt.FillQuery(operatorTemplate, s.Subject))).ToList();
            note = $"{shots}-shot prompts of `relens run` trial 0 (seed {seed}), test subjects";
        }
        var prompts = candidates.Select(c => SubjectPrompt.Create(lm, c.Prompt, c.Sample.Subject)).ToList();
        using var states = PromptStates.Read(lm, prompts, [], topK: 1);
        var known = new List<TracePrompt>();
        for (int i = 0; i < candidates.Count && known.Count < maxFacts; i++)
            if (RelationSweep.IsKnownFact(lm, states.LmTopIds[i][0], candidates[i].Sample.Object))
                known.Add(TracePrompt.Create(lm, candidates[i].Prompt, candidates[i].Sample.Subject, candidates[i].Sample.Object));
        return new Selection(known, candidates.Count, note);
    }
}
