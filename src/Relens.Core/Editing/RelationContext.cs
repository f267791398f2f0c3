using Relens.Lre;
using Relens.Models;
using Relens.Relations;

namespace Relens.Editing;

/// <summary>
/// One relation as editing and its evaluation see it: the n-shot prompt, whose shots are drawn (seeded, as a
/// run's trial 0) from the facts that are NOT edited, so an edited subject never appears as a shot with its
/// old object; and the remaining unedited facts ("others"), on which the LRE is checked and specificity measured.
/// </summary>
public sealed class RelationContext
{
    private RelationContext(Relation relation, IReadOnlyList<RelationSample> shots, IReadOnlyList<RelationSample> others, string operatorTemplate)
    {
        Relation = relation;
        Shots = shots;
        Others = others;
        OperatorTemplate = operatorTemplate;
    }

    public Relation Relation { get; }
    public IReadOnlyList<RelationSample> Shots { get; }
    public IReadOnlyList<RelationSample> Others { get; }
    /// <summary>The n-shot prompt with "{}" in the query slot (prompt_templates[0]).</summary>
    public string OperatorTemplate { get; }

    public static RelationContext Create(LanguageModel lm, Relation relation, IReadOnlySet<string> editedSubjects, int shots, long seed, string? where = null)
    {
        var rest = relation.Samples.Where(s => !editedSubjects.Contains(s.Subject)).ToList();
        if (rest.Count <= shots)
            throw new RelensException($"{(where is null ? "" : where + ": ")}relation '{relation.Name}' has {rest.Count} unedited facts: not enough for {shots} shots plus facts to check the edit on");
        var split = (relation with { Samples = rest }).Split(shots, seed);
        var train = split.Train.Samples;
        return new RelationContext(relation, train, split.Test.Samples, IclPrompt.Template(relation.PromptTemplate, train, lm.PromptPrefix));
    }

    /// <summary>The n-shot prompt for <paramref name="subject"/> (what efficacy, the known-fact filter and the LRE read).</summary>
    public SubjectPrompt Prompt(LanguageModel lm, string subject) => SubjectPrompt.Create(lm, IclPrompt.FillQuery(OperatorTemplate, subject), subject);

    public IReadOnlyList<SubjectPrompt> OtherPrompts(LanguageModel lm) => Others.Select(s => Prompt(lm, s.Subject)).ToList();

    /// <summary>Paraphrases: the relation's other templates with the same shots, and its zero-shot templates
    /// (as the paper's zero-shot baseline writes them: EOS + " " + template).</summary>
    public IReadOnlyList<SubjectPrompt> ParaphrasePrompts(LanguageModel lm, string subject)
    {
        var prompts = Relation.PromptTemplates.Skip(1)
            .Select(t => IclPrompt.FillQuery(IclPrompt.Template(t, Shots, lm.PromptPrefix), subject))
            .Concat(Relation.ZeroShotTemplates.Select(t => IclPrompt.ZeroShot(t, subject, lm.Tokenizer.EosToken ?? "")));
        return prompts.Distinct().Select(p => SubjectPrompt.Create(lm, p, subject)).ToList();
    }

    /// <summary>Contexts a key or an embedding row is read from: the n-shot prompt and each template alone.</summary>
    public IReadOnlyList<SubjectPrompt> KeyPrompts(LanguageModel lm, string subject) =>
        new[] { IclPrompt.FillQuery(OperatorTemplate, subject) }
            .Concat(Relation.PromptTemplates.Select(t => IclPrompt.Single(t, subject, lm.PromptPrefix)))
            .Distinct().Select(p => SubjectPrompt.Create(lm, p, subject)).ToList();
}
