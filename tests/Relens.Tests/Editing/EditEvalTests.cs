using System.Globalization;
using Relens.Cli.Commands;
using Relens.Editing;

namespace Relens.Tests.Editing;

/// <summary>`relens edit --eval DIR2` re-measures an edited folder: the numbers edits.json recorded at edit time come back.</summary>
public class EditEvalTests
{
    private static readonly string Gpt2 = TestPaths.Golden("gpt2-tiny");

    [Fact]
    public void Eval_ReproducesTheFiveMetricsRecordedAtEditTime()
    {
        string root = TestPaths.NewTempDir("edit-eval");
        var files = KnownEdit.Write(Gpt2, root, shots: 3);
        string outDir = Path.Combine(root, "edited");
        var output = new StringWriter();
        // an MLP edit at block 1 (C from the --text file) so that all five metrics, fluency too, are measured
        int code = new EditCommand(output).Run(["--model", Gpt2, "--edits", files.Edits, "--relations", files.Relations, "--layer", "1", "--rank", "8",
            "--shots", "3", "--text", files.Text, "--statistics-tokens", "4000", "--fluency-tokens", "400", "--out", outDir]);
        Assert.True(code == 0, output.ToString());

        var recorded = EditsJson.Read(outDir)["evaluation"]!.AsObject();
        double Recorded(string key) => recorded[key]?.GetValue<double>() ?? throw new Xunit.Sdk.XunitException($"edits.json has no {key}: {recorded}");
        // the folder needs nothing but itself: the relations folder and the text file are taken from edits.json
        var again = KnowledgeEditor.Reevaluate(outDir, null);
        // edits.json rounds to 6 decimals
        Assert.Equal(Recorded("efficacy"), again.Efficacy, 1e-6);
        Assert.Equal(Recorded("paraphrase"), again.Paraphrase!.Value, 1e-6);
        Assert.Equal(Recorded("specificity"), again.Specificity!.Value, 1e-6);
        Assert.Equal(Recorded("retention"), again.Retention!.Value, 1e-6);
        Assert.Equal(Recorded("perplexity_before"), again.PerplexityBefore!.Value, 1e-6);
        Assert.Equal(Recorded("perplexity_after"), again.PerplexityAfter!.Value, 1e-6);
        Assert.Equal(recorded["edits"]!.GetValue<int>(), again.EditCount);
        Assert.Equal(recorded["specificity_facts"]!.GetValue<int>(), again.SpecificityFacts);
        Assert.Equal(recorded["retention_facts"]!.GetValue<int>(), again.RetentionFacts);
        Assert.True(again.SpecificityFacts > 3, $"only {again.SpecificityFacts} known unedited facts: the check would say little");
        // the edit changed the model: perplexity moved (else "reproduced" could be the unedited model measured twice)
        Assert.NotEqual(again.PerplexityBefore!.Value, again.PerplexityAfter!.Value);

        // and the command prints them
        var printed = new StringWriter();
        Assert.Equal(0, new EditCommand(printed).Run(["--eval", outDir]));
        string F(double x) => x.ToString("0.000", CultureInfo.InvariantCulture);
        Assert.Contains($"efficacy     {F(Recorded("efficacy"))}", printed.ToString());
        Assert.Contains($"perplexity   {F(Recorded("perplexity_before"))} → {F(Recorded("perplexity_after"))}", printed.ToString());
    }

    [Fact]
    public void Eval_OfAFolderWithoutEditsJson_NamesIt()
    {
        var e = Assert.Throws<RelensException>(() => new EditCommand(new StringWriter()).Run(["--eval", Gpt2]));
        Assert.Contains("has no edits.json", e.Message);
    }
}
