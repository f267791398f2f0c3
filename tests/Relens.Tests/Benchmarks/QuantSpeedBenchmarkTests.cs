using Relens.Benchmarks;
using Relens.Cli.Commands;
using Relens.Models;
using Relens.Quantization;
using Relens.Relations;
using Relens.Tokenization;

namespace Relens.Tests.Benchmarks;

/// <summary>The same-run quantisation speed benchmark on a small model, and bench's quantisation options. No timing
/// assertions: the figures are measured by `relens bench --compare-quantization`.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class QuantSpeedBenchmarkTests
{
    [Fact]
    public void EveryVariantIsTimedAgainstFloat32WithItsPackedBytes()
    {
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("gpt2-tiny"));
        var config = ModelTemplates.Config("gpt2", new ModelShape(2, 64, 4, tokenizer.VocabSize));
        LanguageModel Create(QuantScheme? scheme)
        {
            var lm = new LanguageModel(ModelTemplates.CreateRandom(config, 1), tokenizer, config, "(in memory)");
            if (scheme is { } s) lm.Quantize(new QuantizeOptions(s));
            return lm;
        }
        var variants = new List<(string, LanguageModel)> { ("float32", Create(null)) };
        variants.AddRange(QuantSchemes.All.Select(s => (s.Name(), Create(s))));
        try
        {
            var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
            var report = QuantSpeedBenchmark.Run(variants, relation, new BenchSettings { MemoryBudgetBytes = 1 << 20 }, rounds: 2, forwardRepeats: 1);
            Assert.Equal(["float32", "q8_0", "q4_0", "nf4"], report.Rows.Select(r => r.Variant));
            var f32 = report.Rows[0];
            Assert.Equal((1.0, 1.0, 1.0, 1.0, 1.0), (f32.ForwardRatio, f32.LreRatio, f32.JacobianRatio, f32.ForwardCpuRatio, f32.LreCpuRatio));
            // 2 blocks × (64×192 + 64×64 + 64×256 + 256×64) weights: float32 bytes, then packed per group of 32 (64 for nf4)
            long weights = 2 * (64 * 192 + 64 * 64 + 64 * 256 + 256 * 64);
            Assert.Equal([weights * 4, weights / 32 * 34, weights / 32 * 18, weights / 64 * 36], report.Rows.Select(r => r.WeightBytes));
            Assert.All(report.Rows, r => Assert.True(r.ForwardSeconds > 0 && r.LreSeconds > 0 && r.JacobianSeconds > 0 && r.JacobianSeconds <= r.LreSeconds, r.ToString()));
            string text = QuantSpeedReportText.Format(report);
            Assert.Contains("| q4_0 |", text);
            Assert.Contains("medians over 2 rounds", text);
        }
        finally { foreach (var (_, lm) in variants) lm.Dispose(); }
    }

    [Fact]
    public void BenchRefusesConflictingOrUnknownQuantisationOptions()
    {
        var e = Assert.Throws<RelensException>(() => new BenchCommand().Run(["--quantize", "q3_k"]));
        Assert.Contains("unknown quantisation scheme 'q3_k'", e.Message);
        var e2 = Assert.Throws<RelensException>(() => new BenchCommand().Run(["--compare-quantization", "--quantize", "q4_0"]));
        Assert.Contains("leave out --quantize", e2.Message);
        var e3 = Assert.Throws<RelensException>(() => new BenchCommand().Run(["--rounds", "2"]));
        Assert.Contains("--rounds and --forward-repeats belong to --compare-quantization", e3.Message);
    }
}
