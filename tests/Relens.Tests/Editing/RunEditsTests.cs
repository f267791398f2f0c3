using System.Globalization;
using Relens.Cli.Commands;
using Relens.Editing;
using Relens.Reporting;

namespace Relens.Tests.Editing;

/// <summary>`relens run --edits FILE`: after the sweeps, the editing experiment of `relens edit --experiment` on the run's
/// model, its folder in the run's editing/ and its plot and table in report.html.</summary>
public class RunEditsTests
{
    private static readonly string Gpt2 = TestPaths.Golden("gpt2-tiny");

    [Fact]
    public void RunWithEdits_PutsTheEditingExperimentIntoTheRunFolderAndReport()
    {
        string root = TestPaths.NewTempDir("run-edits");
        var files = KnownEdit.Write(Gpt2, root, shots: 3);
        string outDir = Path.Combine(root, "run");
        var output = new StringWriter();
        int code = new RunCommand(null, output).Run(["--model", Gpt2, "--relations", files.Relations, "--trials", "1", "--shots", "3",
            "--layers", "emb,1", "--betas", "1", "--ranks", "0,8", "--no-progress", "--out", outDir, "--edits", files.Edits]);
        Assert.True(code == 0, output.ToString());

        var folder = new RunFolder(outDir);
        var results = ExperimentFolder.TryLoad(folder.EditingDirectory) ?? throw new Xunit.Sdk.XunitException("no editing/experiment.json:\n" + output);
        Assert.Equal(1, results.PoolSize);
        // gpt2-tiny is no world model and no --text is given: no MLP arm (C needs text), the emb edit and fine-tuning
        Assert.Equal(new[] { "lre-rank1@emb", "finetune" }, results.Rows.Select(r => r.Arm).Distinct());
        var single = results.Rows.Single(r => r.Arm == "lre-rank1@emb" && r.Label == "1 singles (mean)");
        Assert.True(single.Error is null && single.Sets == 1, $"the emb single did not run: {single.Error}");
        Assert.True(File.Exists(Path.Combine(folder.EditingDirectory, "sets", "lre-rank1-emb-single01.json")));
        Assert.True(File.Exists(Path.Combine(folder.EditingDirectory, "editing.svg")));

        string Section(string html)
        {
            int at = html.IndexOf($"<section id=\"{EditingSection.Id}\"", StringComparison.Ordinal);
            Assert.True(at >= 0, "report.html has no editing section");
            return html[at..html.IndexOf("</section>", at, StringComparison.Ordinal)];
        }
        var section = Section(File.ReadAllText(folder.ReportPath));
        Assert.Contains("<svg", section);
        foreach (var r in results.Rows)
            Assert.Contains($"<tr><td>{r.Arm}</td><td>{r.Label}</td><td>{(double.IsFinite(r.Efficacy) ? r.Efficacy.ToString("0.00", CultureInfo.InvariantCulture) : "–")}</td>", section);

        // the same code as `relens edit --experiment`: the same edit there gives the same numbers
        string expDir = Path.Combine(root, "experiment");
        Assert.Equal(0, new EditCommand(new StringWriter()).Run(["--model", Gpt2, "--experiment", "--edits", files.Edits, "--relations", files.Relations,
            "--methods", "lre-rank1", "--layers", "emb", "--singles", "1", "--batches", "1", "--shots", "3", "--out", expDir]));
        var alone = ExperimentFolder.TryLoad(expDir)!.Rows.Single(r => r.Label == "1 singles (mean)");
        Assert.Equal((alone.Efficacy, alone.Paraphrase, alone.Specificity, alone.Retention, alone.ReferenceEfficacy),
            (single.Efficacy, single.Paraphrase, single.Specificity, single.Retention, single.ReferenceEfficacy));

        // `relens report` draws the section again from editing/, without editing again
        File.Delete(folder.ReportPath);
        Assert.Equal(0, new ReportCommand(null, new StringWriter()).Run(["--results", outDir, "--relations", files.Relations, "--no-lens"]));
        Assert.Equal(section, Section(File.ReadAllText(folder.ReportPath)));
    }

    [Fact]
    public void EditsOption_FailsBeforeTheModelLoads()
    {
        static RunCommand NoModel() => new(_ => throw new InvalidOperationException("no model should load"), new StringWriter());
        string dir = TestPaths.NewTempDir("run-edits-err");
        var e = Assert.Throws<RelensException>(() => NoModel().Run(["--model", Gpt2, "--edits", Path.Combine(dir, "missing.tsv"), "--out", Path.Combine(dir, "out")]));
        Assert.Contains("missing.tsv", e.Message);
        File.WriteAllText(Path.Combine(dir, "bad.tsv"), "France\tcountry capital city\n");
        e = Assert.Throws<RelensException>(() => NoModel().Run(["--model", Gpt2, "--edits", Path.Combine(dir, "bad.tsv"), "--out", Path.Combine(dir, "out")]));
        Assert.Contains("bad.tsv line 1", e.Message);
        File.WriteAllText(Path.Combine(dir, "ok.tsv"), "France\tcountry capital city\tOslo\n");
        e = Assert.Throws<RelensException>(() => NoModel().Run(["--model", Gpt2, "--edits", Path.Combine(dir, "ok.tsv"), "--shard", "1/2", "--out", Path.Combine(dir, "out")]));
        Assert.Contains("--edits does not work with --shard", e.Message);
    }
}
