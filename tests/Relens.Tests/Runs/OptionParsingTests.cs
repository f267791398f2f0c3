using Relens.Models;
using Relens.Reporting.Svg;
using Relens.Runs;

namespace Relens.Tests.Runs;

public class OptionParsingTests
{
    [Fact]
    public void LayersParseListsRangesAndAll()
    {
        Assert.Null(LayerSpec.Parse("all"));
        Assert.Null(LayerSpec.Parse(null));
        Assert.Equal([LayerRef.Embedding, LayerRef.At(0), LayerRef.At(2), LayerRef.At(4)], LayerSpec.Parse("4,emb,0,2,2"));
        Assert.Equal([LayerRef.Embedding, LayerRef.At(1), LayerRef.At(2), LayerRef.At(3)], LayerSpec.Parse("emb,1-3"));
        Assert.Contains("'x1'", Assert.Throws<RelensException>(() => LayerSpec.Parse("emb,x1")).Message);
        Assert.Contains("'3-1'", Assert.Throws<RelensException>(() => LayerSpec.Parse("3-1")).Message);
        LayerSpec.Check([LayerRef.At(3)], 4);
        Assert.Contains("layer 4 does not exist", Assert.Throws<RelensException>(() => LayerSpec.Check([LayerRef.At(4)], 4)).Message);
    }

    [Fact]
    public void RanksParseWithFullAndRefuseMoreThanD()
    {
        Assert.Equal([0, 8, 64], RankSpec.Parse("64,0,8,full", 64));
        Assert.Equal(new Relens.Sweeps.SweepSettings().RanksFor(64), RankSpec.Parse(null, 64));
        Assert.Contains("larger than d = 64", Assert.Throws<RelensException>(() => RankSpec.Parse("65", 64)).Message);
        Assert.Contains("'-1'", Assert.Throws<RelensException>(() => RankSpec.Parse("-1", 64)).Message);
    }

    [Fact]
    public void SummaryPointersEscapeAndRoundTripValues()
    {
        Assert.Equal("/categories/0/causality_baselines/s'", SummaryValues.Pointer("categories", 0, "causality_baselines", "s'"));
        Assert.Equal("/a~1b/c~0d", SummaryValues.Pointer("a/b", "c~d"));
        string attr = SummaryValues.Of("/x", 0.1 + 0.2).Attribute();
        Assert.Contains("/x=0.30000000000000004", attr);   // exact ("R"), so tests can compare with ==
    }

    [Fact]
    public void EveryCommandPrintsItsUsage()
    {
        foreach (var (command, text) in new (Func<TextWriter, Cli.ICommand> Make, string Start)[]
                 {
                     (w => new Cli.Commands.RunCommand(null, w), "relens run"), (w => new Cli.Commands.ReportCommand(null, w), "relens report"),
                     (w => new Cli.Commands.EstimateCommand(null, w), "relens estimate"), (w => new Cli.Commands.EvalCommand(null, w), "relens eval"),
                     (w => new Cli.Commands.LensCommand(null, w), "relens lens"),
                 })
        {
            var output = new StringWriter();
            Assert.Equal(0, command(output).Run(["--help"]));
            Assert.StartsWith(text, output.ToString());
        }
    }

    [Fact]
    public void ProbabilityColoursRunFromDarkToLight()
    {
        Assert.False(Palette.IsLight(Palette.ProbabilityRgb(0)));
        Assert.True(Palette.IsLight(Palette.ProbabilityRgb(1)));
        Assert.Equal("#440154", Palette.ProbabilityHex(0));
        Assert.Equal("#fde725", Palette.ProbabilityHex(1));
        Assert.Equal(Palette.ProbabilityHex(1), Palette.ProbabilityHex(7));
        Assert.Equal("#21918c", Palette.ProbabilityHex(0.5));
    }
}
