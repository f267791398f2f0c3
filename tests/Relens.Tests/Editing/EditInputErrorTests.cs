using Relens.Cli.Commands;
using Relens.Editing;
using Relens.Models;
using Relens.Relations;
using Relens.Tests.Lre;
using Relens.Tests.Runs;

namespace Relens.Tests.Editing;

/// <summary>Bad edits fail before any weight changes, with a message naming the TSV line; nothing is written to --out.</summary>
public class EditInputErrorTests
{
    private const string Template = "The capital city of {} is";

    [Fact]
    public void TsvWithMissingColumns_NamesTheLine()
    {
        var e = Assert.Throws<RelensException>(() => EditFile.Parse(["subject\trelation\tnew_object", "France\tcountry capital city\tOslo", "Spain\tcountry capital city"], "edits.tsv"));
        Assert.Contains("edits.tsv line 3", e.Message);
        Assert.Contains("3 tab-separated columns", e.Message);
        var empty = Assert.Throws<RelensException>(() => EditFile.Parse(["France\t\tOslo"], "edits.tsv"));
        Assert.Contains("edits.tsv line 1", empty.Message);
    }

    [Fact]
    public void UnknownRelationOrSubject_SameObject_AndTooFewKnownFacts_NameTheLine()
    {
        var (lm, _) = LinearWorld.Build();
        using var _lm = lm;
        var relation = LinearWorld.Relation(lm, Template);
        var fact = relation.Samples[0];
        var wrong = relation with { Name = "wrong capital", Samples = relation.Samples.Select(s => new RelationSample(s.Subject, "Zzyzx")).ToList() };
        var options = new EditOptions { Layer = LayerRef.Embedding, Rank = 16 };
        string Error(EditRequest r) => Assert.Throws<RelensException>(() => EditPlanner.Plan(lm, [relation, wrong], [r], options)).Message;

        var m = Error(new EditRequest(fact.Subject, "no such relation", "Oslo", "e.tsv line 2"));
        Assert.Contains("e.tsv line 2", m); Assert.Contains("unknown relation 'no such relation'", m);
        m = Error(new EditRequest("Atlantis", relation.Name, "Oslo", "e.tsv line 3"));
        Assert.Contains("e.tsv line 3", m); Assert.Contains("'Atlantis' is not a subject", m);
        m = Error(new EditRequest(fact.Subject, relation.Name, fact.Object, "e.tsv line 4"));
        Assert.Contains("e.tsv line 4", m); Assert.Contains("already the object", m);
        m = Error(new EditRequest(fact.Subject, wrong.Name, "Oslo", "e.tsv line 5"));
        Assert.Contains("e.tsv line 5", m); Assert.Contains("knows only 0 of its", m);
    }

    [Fact]
    public void FailedEdit_WritesNothingToOut()
    {
        var root = TestPaths.NewTempDir("edit-fail");
        var relations = TinyRelations.WriteFolder(Path.Combine(root, "relations"),
            ("factual", "made up capital", Template, Enumerable.Range(0, 12).Select(i => new RelationSample($"Country{i}", "Zzyzx")).ToList()));
        File.WriteAllText(Path.Combine(root, "edits.tsv"), "Country1\tmade up capital\tOslo\n");
        string outDir = Path.Combine(root, "edited");
        var writer = new StringWriter();
        var e = Assert.Throws<RelensException>(() => new EditCommand(writer).Run(
            ["--model", TestPaths.Golden("gpt2-tiny"), "--edits", Path.Combine(root, "edits.tsv"), "--relations", relations, "--layer", "emb", "--rank", "8", "--out", outDir]));
        Assert.Contains("edits.tsv line 1", e.Message);
        Assert.False(Directory.Exists(outDir));
        Assert.DoesNotContain(Directory.EnumerateDirectories(root), d => Path.GetFileName(d).StartsWith(".edited"));
    }

    [Fact]
    public void Help_PrintsUsageWithoutWork()
    {
        var writer = new StringWriter();
        Assert.Equal(0, new EditCommand(writer).Run(["--help"]));
        Assert.Contains("relens edit --model DIR --edits FILE", writer.ToString());
    }
}
