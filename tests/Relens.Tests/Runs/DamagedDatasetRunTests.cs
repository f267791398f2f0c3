using Relens.Cli.Commands;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Sweeps;
using Relens.Tests.Lre;
using Relens.Tokenization;

namespace Relens.Tests.Runs;

/// <summary>One odd sample or one broken relation file never aborts a run: the sample is skipped with its reason,
/// the file is an error for its relation only, and the run does the rest, then exits non-zero listing them.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class DamagedDatasetRunTests
{
    private const string Odd = "Zzqx";

    [Fact]
    public void SkipsTheOddSampleReportsTheBrokenFileAndRunsTheRest()
    {
        var root = TestPaths.NewTempDir("damaged-run");
        string relations = LinearWorldRun.WriteRelations(Path.Combine(root, "relations"));
        // a sample whose subject the tokenizer's offsets cannot place (see OddOffsets), and a file that is not JSON
        string capital = Path.Combine(relations, "factual", "linear_capital.json");
        var good = RelationLoader.LoadFile(capital);
        TinyRelations.Write(capital, good.Name, good.PromptTemplate, [.. good.Samples, new RelationSample(Odd, "Nowhere")]);
        string broken = Path.Combine(relations, "factual", "broken_relation.json");
        File.WriteAllText(broken, "{ \"name\": \"broken\", ");

        var output = Path.Combine(root, "out");
        var console = new StringWriter();
        var command = new RunCommand(_ => WithOddOffsets(LinearWorldRun.Load()), console);
        int code = command.Run([.. LinearWorldRun.Settings, "--model", LinearWorldRun.ModelName, "--relations", relations, "--out", output]);
        string text = console.ToString();

        Assert.Equal(2, code);   // a file that cannot be read is bad input
        Assert.Contains("relens run: error: 1 relations could not be run", text);
        Assert.Contains($"broken_relation: {broken}: not valid JSON", text);
        var result = command.LastResult!;
        Assert.Equal(["linear capital", "linear anthem"], result.Summary.Relations.Select(r => r.Relation).OrderByDescending(n => n));
        Assert.All(result.Summary.Relations, r => Assert.NotNull(r.CausalityBestLayer));   // both good relations have results

        var capitalSummary = result.Summary.Relations.Single(r => r.Relation == "linear capital");
        var skipped = Assert.Single(capitalSummary.SkippedSamples);
        Assert.Equal(Odd, skipped.Subject);
        Assert.Contains("no token covers the end", skipped.Reason);
        Assert.Equal(good.Samples.Count, capitalSummary.Samples);
        Assert.Contains($"linear capital: '{Odd}': no token covers", text);

        var record = Assert.Single(new RunFolder(output).LoadRecords(), r => r.Metric == SweepMetrics.SampleSkipped);
        Assert.Equal((Odd, "linear capital"), (record.Subject, record.Relation));
        Assert.Equal(skipped.Reason, record.Note);
        var info = RunInfo.Load(output);
        Assert.Equal(broken, Assert.Single(info.FailedRelations).File);
        string report = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains(Odd, report);
        Assert.Contains("1 relations could not be run", report);
    }

    [Fact]
    public void ARelationLeftWithTooFewSamplesIsReportedNotFatal()
    {
        var root = TestPaths.NewTempDir("damaged-small");
        string relations = LinearWorldRun.WriteRelations(Path.Combine(root, "relations"));
        string anthem = Path.Combine(relations, "commonsense", "linear_anthem.json");
        var good = RelationLoader.LoadFile(anthem);
        TinyRelations.Write(anthem, good.Name, good.PromptTemplate, good.Samples.Take(4).ToList());   // 4 samples, 4 shots: no test set

        var output = Path.Combine(root, "out");
        var command = new RunCommand(_ => LinearWorldRun.Load(), new StringWriter());
        Assert.Equal(0, command.Run([.. LinearWorldRun.Settings, "--model", LinearWorldRun.ModelName, "--relations", relations, "--out", output]));
        var summary = command.LastResult!.Summary.Relations.ToDictionary(r => r.Relation);
        Assert.Equal("4 usable samples: not enough for 4 shots plus a test set", summary["linear anthem"].Note);
        Assert.NotNull(summary["linear capital"].CausalityBestLayer);

        // resuming the finished run says so: linear capital's 2 trials × 3 layers are done, linear anthem has none
        var console = new StringWriter();
        Assert.Equal(0, new RunCommand(_ => LinearWorldRun.Load(), console)
            .Run([.. LinearWorldRun.Settings, "--model", LinearWorldRun.ModelName, "--relations", relations, "--out", output, "--resume"]));
        Assert.Contains("resuming: 6 of 6 units (trial × layer) already done, 1 of 2 relations complete", console.ToString());
    }

    /// <summary>The model with a tokenizer whose offsets are all empty for prompts that ask about <see cref="Odd"/>
    /// (their last line), as a tokenizer that cannot map a subject back to the text would give.</summary>
    private static LanguageModel WithOddOffsets(LanguageModel lm) =>
        new(lm.Model, new OddOffsets(lm.Tokenizer), lm.Config, lm.Directory);

    private sealed class OddOffsets(ITokenizer inner) : ITokenizer
    {
        public TokenizedText Encode(string text, bool addSpecialTokens = true)
        {
            var e = inner.Encode(text, addSpecialTokens);
            return text[(text.LastIndexOf('\n') + 1)..].Contains(Odd) ? e with { Offsets = e.Offsets.Select(_ => new CharSpan(0, 0)).ToArray() } : e;
        }
        public int VocabSize => inner.VocabSize;
        public string Decode(int id) => inner.Decode(id);
        public string Decode(IReadOnlyList<int> ids) => inner.Decode(ids);
        public int? TokenToId(string token) => inner.TokenToId(token);
        public int? BosTokenId => inner.BosTokenId;
        public int? EosTokenId => inner.EosTokenId;
        public string? BosToken => inner.BosToken;
        public string? EosToken => inner.EosToken;
    }
}
