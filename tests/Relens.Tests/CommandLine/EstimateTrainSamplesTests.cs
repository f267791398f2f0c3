using System.Text.Json;
using Relens.Cli.Commands;
using Relens.Lre;
using Relens.Relations;

namespace Relens.Tests.CommandLine;

/// <summary>`relens estimate --train-samples FILE` (exact pairs) beside --train-subjects (issue 18, part 4).</summary>
[Trait("Category", "Cli")]
public class EstimateTrainSamplesTests
{
    private static string Gpt2 => TestPaths.Golden("gpt2-tiny");

    private static string[] Args(string dir, params string[] more) =>
        ["--model", Gpt2, "--relation", "object superclass", "--relations", TestPaths.Relations, "--layer", "1", "--out", Path.Combine(dir, "lre"), .. more];

    [Fact]
    public void ExactPairsAreTheTrainingSamplesInTheirOrder()
    {
        var dir = TestPaths.NewTempDir("estimate-pairs");
        var pairs = Path.Combine(dir, "pairs.json");
        File.WriteAllText(pairs, """[{"subject": "carrot", "object": "plant"}, {"subject": "apple", "object": "fruit"}, {"subject": "eagle", "object": "bird"}]""");
        var command = new EstimateCommand(null, new StringWriter());
        Assert.Equal(0, command.Run(Args(dir, "--train-samples", pairs)));
        var meta = JsonSerializer.Deserialize<LinearRelationFile.Metadata>(File.ReadAllText(command.LastPrefix + ".json"))!;
        Assert.Equal([new RelationSample("carrot", "plant"), new RelationSample("apple", "fruit"), new RelationSample("eagle", "bird")], meta.TrainingSamples);
    }

    [Fact]
    public void ASubjectWithSeveralObjectsThroughTrainSubjectsIsAnInputErrorListingThem()
    {
        var dir = TestPaths.NewTempDir("estimate-ambiguous");
        var subjects = Path.Combine(dir, "subjects.txt");
        File.WriteAllLines(subjects, ["eagle", "apple"]);
        var (code, stdout, stderr) = CliProcess.Run(["estimate", .. Args(dir, "--train-subjects", subjects)]);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains("relens estimate: error: relation 'object superclass' has several objects for training subject 'apple' ('plant', 'fruit')", stderr);
        Assert.Contains("--train-samples", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal("", stdout.Trim());   // refused before the model loads
    }

    [Fact]
    public void APairNotInTheRelationNamesTheFileAndLine()
    {
        var dir = TestPaths.NewTempDir("estimate-bad-pair");
        var pairs = Path.Combine(dir, "pairs.tsv");
        File.WriteAllText(pairs, "apple\tfruit\n# no comments here\tplant\napple\ttree\n");
        var e = Assert.Throws<RelensException>(() => new EstimateCommand(_ => throw new InvalidOperationException("no model should load"), new StringWriter())
            .Run(Args(dir, "--train-samples", pairs)));
        Assert.StartsWith($"{pairs} line 2: the pair '# no comments here' → 'plant' is not a sample of relation 'object superclass'", e.Message);

        File.WriteAllText(pairs, "apple\tfruit\napple\ttree\n");
        e = Assert.Throws<RelensException>(() => new EstimateCommand(null, new StringWriter()).Run(Args(dir, "--train-samples", pairs)));
        Assert.Equal($"{pairs} line 2: the pair 'apple' → 'tree' is not a sample of relation 'object superclass': its objects for 'apple' are 'plant', 'fruit'", e.Message);

        var subjects = Path.Combine(dir, "s.txt");
        File.WriteAllLines(subjects, ["eagle"]);
        Assert.Contains("exclude each other", Assert.Throws<RelensException>(() => new EstimateCommand(null, new StringWriter())
            .Run(Args(dir, "--train-samples", pairs, "--train-subjects", subjects))).Message);
        Assert.Contains("--shots and --train-samples exclude each other", Assert.Throws<RelensException>(() => new EstimateCommand(null, new StringWriter())
            .Run(Args(dir, "--train-samples", pairs, "--shots", "3"))).Message);
    }
}
