namespace Relens.Relations;

/// <summary>
/// Prompt strings exactly as the paper builds them (<c>functional.make_prompt</c>, LRE-METHOD §2).
/// The <c>prefix</c> arguments take the model's start text: the EOS string for GPT-style
/// models ("&lt;|endoftext|&gt;", no space after it), "" for LLaMA, whose tokenizer adds BOS itself.
/// </summary>
public static class IclPrompt
{
    /// <summary>The subject slot in templates.</summary>
    public const string Slot = "{}";

    /// <summary>
    /// The n-shot prompt for <paramref name="subject"/>: every example whose subject differs from it,
    /// rendered as <c>template(s_i) + " " + o_i</c>, joined with "\n", then "\n" + template(subject)
    /// with no trailing space; <paramref name="prefix"/> is put in front unless the prompt already
    /// starts with it (the paper's <c>maybe_prefix_eos</c>). If no example is left, the paper's empty
    /// join still leaves the "\n" before the query line, and so does this; for a prompt without
    /// examples use <see cref="Single"/>.
    /// </summary>
    public static string Build(string template, string subject, IEnumerable<RelationSample> examples, string prefix = "")
    {
        var lines = examples
            .Where(x => x.Subject != subject)
            .Select(x => Fill(template, x.Subject) + " " + x.Object);
        return WithPrefix(string.Join("\n", lines) + "\n" + Fill(template, subject), prefix);
    }

    /// <summary>
    /// The n-shot prompt with "{}" left in the query slot (the paper's operator <c>prompt_template</c>,
    /// <c>make_prompt(subject="{}")</c>): no example is dropped. Fill it with <see cref="FillQuery"/>.
    /// The paper evaluates test subjects this way, so a test subject that is also a training subject
    /// (1:N relations) keeps its example line, unlike in <see cref="Build"/>.
    /// </summary>
    public static string Template(string template, IEnumerable<RelationSample> examples, string prefix = "") =>
        Build(template, Slot, examples, prefix);

    /// <summary>The paper's <c>make_prompt</c> without examples: prefix + template(subject).</summary>
    public static string Single(string template, string subject, string prefix = "") =>
        WithPrefix(Fill(template, subject), prefix);

    /// <summary>A relation template with its single "{}" replaced by <paramref name="subject"/>.</summary>
    public static string Fill(string template, string subject)
    {
        int at = template.IndexOf(Slot, StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException($"template \"{template}\" has no \"{{}}\" slot", nameof(template));
        return string.Concat(template.AsSpan(0, at), subject, template.AsSpan(at + Slot.Length));
    }

    /// <summary>
    /// Fills the query slot of a <see cref="Template"/> result: the LAST "{}", since ICL examples
    /// (subjects or objects) could themselves contain "{}" but the query slot always comes last.
    /// </summary>
    public static string FillQuery(string iclTemplate, string subject)
    {
        int at = iclTemplate.LastIndexOf(Slot, StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException($"prompt template has no \"{{}}\" slot: \"{iclTemplate}\"", nameof(iclTemplate));
        return string.Concat(iclTemplate.AsSpan(0, at), subject, iclTemplate.AsSpan(at + Slot.Length));
    }

    /// <summary>
    /// The zero-shot prompt of the faithfulness baselines: <c>eos + " " + template(subject)</c>.
    /// Note the space after EOS, unlike the ICL prompt; the paper's script adds the tokenizer's EOS
    /// string for every model (LLaMA's "&lt;/s&gt;" too) and applies it to prompt_templates[0].
    /// </summary>
    public static string ZeroShot(string template, string subject, string eosToken) =>
        eosToken + " " + Fill(template, subject);

    /// <summary>
    /// Attribute-lens "poetry-distracted" prompt (§7, <c>benchmarks.faithfulness</c>):
    /// <c>(zs(s) + " " + wrong + ". ")</c> twice, then <c>zs(s)</c>, with the model prefix.
    /// </summary>
    public static string PoetryDistracted(string zeroShotTemplate, string subject, string wrongObject, string prefix = "")
    {
        string line = Fill(zeroShotTemplate, subject) + " " + wrongObject + ". ";
        return WithPrefix(line + line + Fill(zeroShotTemplate, subject), prefix);
    }

    /// <summary>
    /// Attribute-lens "repeat-distracted" prompt (§7): <c>t(s) + " " + wrong + ". Repeat exactly: " + t(s)</c>,
    /// with the model prefix.
    /// </summary>
    public static string RepeatDistracted(string template, string subject, string wrongObject, string prefix = "") =>
        WithPrefix(Fill(template, subject) + " " + wrongObject + ". Repeat exactly: " + Fill(template, subject), prefix);

    private static string WithPrefix(string prompt, string prefix) =>
        prefix.Length == 0 || prompt.StartsWith(prefix, StringComparison.Ordinal) ? prompt : prefix + prompt;
}
