using Relens.World;
using TorchSharp;

namespace Relens.Tests.World;

[Collection(TorchRngCollection.Name)]
public class WorldTrainerTests : IClassFixture<TinyWorldFixture>
{
    private readonly TinyWorldFixture _w;
    public WorldTrainerTests(TinyWorldFixture w) => _w = w;

    private static readonly TrainOptions Small = new(BlockSize: 32, BatchSize: 4, LearningRate: 1e-2, WarmupSteps: 3,
        MaxSteps: 12, LogEvery: 4, CheckpointEvery: 0, Seed: 7);

    private IEnumerable<int[]> Epoch(int e) => _w.Corpus.Documents(e).Select(_w.Ids);

    private BigramLm NewModel(int seed)
    {
        torch.manual_seed(seed);
        return new BigramLm(_w.Vocab.VocabSize, 16);
    }

    private static float[] Flat(BigramLm m) => m.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [Fact]
    public void Loss_falls_and_the_same_seed_gives_the_same_weights()
    {
        var log = new List<string>();
        using var a = NewModel(1);
        var result = new WorldTrainer(a, Epoch, Small, log: log.Add).Run();
        Assert.Equal(12, result.Steps);
        Assert.Equal(12L * 4 * 32, result.Tokens);
        Assert.Equal(3, result.LossCurve.Count);
        Assert.True(result.LossCurve[^1] < result.LossCurve[0] - 0.3, string.Join(", ", result.LossCurve));
        Assert.Contains(log, l => l.StartsWith("step 4/12 ") && l.Contains("tok/s"));

        using var b = NewModel(1);
        new WorldTrainer(b, Epoch, Small, log: _ => { }).Run();
        Assert.Equal(Flat(a), Flat(b));
    }

    [Fact]
    public void An_interrupted_run_resumes_to_the_same_weights_as_an_uninterrupted_one()
    {
        var opts = Small with { CheckpointEvery = 4 };
        using var whole = NewModel(2);
        new WorldTrainer(whole, Epoch, opts, TestPaths.NewTempDir("world-train-whole"), _ => { }).Run();

        string dir = TestPaths.NewTempDir("world-train-resume");
        using var cts = new CancellationTokenSource();
        using var first = NewModel(2);
        // Stop right after the step-4 log line, i.e. mid-run with a checkpoint at step 4.
        var r1 = new WorldTrainer(first, Epoch, opts, dir, l => { if (l.StartsWith("step 4/")) cts.Cancel(); }).Run(cts.Token);
        Assert.Equal(4, r1.Steps);
        Assert.True(File.Exists(Path.Combine(dir, TrainState.StateFile)));

        using var second = NewModel(99);      // different init: everything must come from the checkpoint
        var log = new List<string>();
        var r2 = new WorldTrainer(second, Epoch, opts, dir, log.Add).Run();
        Assert.True(r2.Resumed);
        Assert.Equal(12, r2.Steps);
        Assert.Contains(log, l => l.StartsWith("resumed at step 4"));
        Assert.Equal(Flat(whole), Flat(second));
    }

    [Fact]
    public void A_time_budget_plans_a_step_count_that_fits()
    {
        var log = new List<string>();
        using var m = NewModel(3);
        var opts = Small with { MaxSteps = 0, TimeBudget = TimeSpan.FromSeconds(2) };
        var r = new WorldTrainer(m, Epoch, opts, log: log.Add).Run();
        Assert.Contains(log, l => l.StartsWith("planned "));
        // Stops at the budget (5% safety margin) once the step under way ends; a loaded machine may make that step slow.
        Assert.True(r.Seconds < 2 * 1.05 + 2.0, $"ran {r.Seconds}s");
        Assert.True(r.Steps > 11);
    }

    [Fact]
    public void Schedule_warms_up_linearly_then_decays_to_the_floor()
    {
        var o = new TrainOptions(LearningRate: 1.0, WarmupSteps: 10, MinLrFraction: 0.1, MaxSteps: 110);
        Assert.Equal(0.1, LrSchedule.At(0, 110, o), 9);
        Assert.Equal(1.0, LrSchedule.At(9, 110, o), 9);
        Assert.Equal(1.0, LrSchedule.At(10, 110, o), 9);
        Assert.Equal(0.55, LrSchedule.At(60, 110, o), 9);
        Assert.Equal(0.1, LrSchedule.At(110, 110, o), 9);
    }

    [Fact]
    public void Blocks_overlap_by_one_token_so_every_target_follows_its_input()
    {
        var blocks = new TokenBlocks([[1, 2, 3], [4, 5, 6, 7], [8, 9, 10]], blockSize: 4);
        Assert.Equal(2, blocks.Count);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, blocks.Block(0).ToArray());
        Assert.Equal(new long[] { 5, 6, 7, 8, 9 }, blocks.Block(1).ToArray());
    }
}

/// <summary>A bigram LM whose output weight enters the logits as <c>factor</c> × the parameter.</summary>
internal sealed class FactorHeadLm : torch.nn.Module<torch.Tensor, torch.Tensor>
{
    private readonly TorchSharp.Modules.Embedding wte;
    private readonly TorchSharp.Modules.Parameter head_weight;
    private readonly double _factor;

    public FactorHeadLm(int vocab, int dim, double factor, double initScale, int seed) : base(nameof(FactorHeadLm))
    {
        torch.manual_seed(seed);
        wte = torch.nn.Embedding(vocab, dim);
        head_weight = new TorchSharp.Modules.Parameter(torch.randn(vocab, dim) * 0.02 * initScale);
        _factor = factor;
        RegisterComponents();
    }

    public torch.Tensor Head => head_weight;

    public override torch.Tensor forward(torch.Tensor ids)
    {
        using var scope = torch.NewDisposeScope();
        return torch.matmul(wte.call(ids), (head_weight * _factor).t()).MoveToOuterDisposeScope();
    }
}

[Collection(TorchRngCollection.Name)]
public class ScaledParameterTrainingTests : IClassFixture<TinyWorldFixture>
{
    private readonly TinyWorldFixture _w;
    public ScaledParameterTrainingTests(TinyWorldFixture w) => _w = w;

    [Fact]
    public void A_scaled_parameter_trains_exactly_as_the_reparameterised_one()
    {
        // c·p′ trained by AdamW with clipping (B) and p trained as a scaled group (A, lr × c, decay / c, gradient × c before
        // the clip) must stay equal step by step: how GPT-Neo's q_proj carries GPT-2's 1/√head_dim score scale.
        const double c = 0.125;
        var options = new TrainOptions(BlockSize: 32, BatchSize: 4, LearningRate: 1e-2, WarmupSteps: 3, MaxSteps: 12,
            LogEvery: 4, CheckpointEvery: 0, Seed: 7, WeightDecay: 0.1, ClipNorm: 0.5);
        IEnumerable<int[]> Epoch(int e) => _w.Corpus.Documents(e).Select(_w.Ids);
        using var a = new FactorHeadLm(_w.Vocab.VocabSize, 16, factor: 1, initScale: c, seed: 3);
        using var b = new FactorHeadLm(_w.Vocab.VocabSize, 16, factor: c, initScale: 1, seed: 3);
        var ra = new WorldTrainer(a, Epoch, options, log: _ => { }, parameterScale: n => n == "head_weight" ? c : 1).Run();
        var rb = new WorldTrainer(b, Epoch, options, log: _ => { }).Run();
        Assert.Equal(rb.LossCurve.Count, ra.LossCurve.Count);
        for (int i = 0; i < ra.LossCurve.Count; i++) Assert.Equal(rb.LossCurve[i], ra.LossCurve[i], 4);
        using var expected = b.Head * c;
        double maxDiff = (a.Head - expected).abs().max().item<float>();
        Assert.True(maxDiff < 1e-6, $"scaled group differs from the reparameterised weight by {maxDiff}");
        // and it is not trivially equal: the unscaled group would have moved the weight c⁻¹ times as far
        using var unscaled = new FactorHeadLm(_w.Vocab.VocabSize, 16, factor: 1, initScale: c, seed: 3);
        new WorldTrainer(unscaled, Epoch, options, log: _ => { }).Run();
        Assert.True((unscaled.Head - expected).abs().max().item<float>() > 100 * maxDiff + 1e-5);
    }
}
