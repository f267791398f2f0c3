using System.Runtime.InteropServices;
using Relens.World;

namespace Relens.Tests.World;

public class WorldReportTests
{
    private static WorldLreResult Lre(string name, double majority, params double[] layerEmbPerBeta) =>
        new(name, 2, 20, majority, new Dictionary<string, double[]> { ["emb"] = layerEmbPerBeta, ["3"] = [0, 0, 0, 0] });

    [Fact]
    public void Best_picks_the_highest_layer_and_beta()
    {
        var best = Lre("r", 0.3, 0.2, 0.7, 0.5, 0.1).Best();
        Assert.Equal(("emb", 2.25, 0.7), best);
    }

    [Fact]
    public void Faithful_relations_need_the_threshold_and_a_margin_over_the_majority()
    {
        var report = new WorldReport(new KnowledgeReport(1, new Dictionary<string, double>(), []), [],
            [Lre("clear", 0.25, 0.8, 0, 0, 0), Lre("low", 0.1, 0.55, 0, 0, 0), Lre("majority", 0.6, 0.7, 0, 0, 0)]);
        Assert.Equal(["clear"], report.FaithfulRelations().Select(r => r.Relation));
    }

    [Fact]
    public void Best_from_layer_1_ignores_emb_and_layer_0_and_the_bar_can_ask_for_it()
    {
        var r = new WorldLreResult("r", 2, 20, 0.2, new Dictionary<string, double[]>
        {
            ["emb"] = [0.9, 1.0, 0, 0], ["0"] = [0.95, 0, 0, 0], ["1"] = [0.1, 0.3, 0, 0], ["2"] = [0, 0, 0.65, 0.4], ["3"] = [0, 0, 0, 0],
        });
        Assert.Equal(("emb", 2.25, 1.0), r.Best());
        Assert.Equal(("2", 4.0, 0.65), r.BestFromLayer1());
        Assert.Equal(1.0, r.At("emb"));
        Assert.Null(r.At("9"));
        var embOnly = r with { Relation = "emb only", Faithfulness = new Dictionary<string, double[]> { ["emb"] = [1, 1, 1, 1], ["0"] = [0, 0, 0, 0], ["1"] = [0.3, 0, 0, 0] } };
        var report = new WorldReport(new KnowledgeReport(1, new Dictionary<string, double>(), []), [], [r, embOnly]);
        Assert.Equal(["r", "emb only"], report.FaithfulRelations().Select(x => x.Relation));
        Assert.Equal(["r"], report.FaithfulRelations(fromLayer1: true).Select(x => x.Relation));
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv(string name);

    [Fact]
    public void Passive_OpenMP_wait_reaches_the_native_environment()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 }) return;
        Relens.Runtime.OpenMpEnvironment.PreferWaitPolicy("PASSIVE");
        Assert.Equal("PASSIVE", Marshal.PtrToStringAnsi(GetEnv("OMP_WAIT_POLICY")));
    }
}
