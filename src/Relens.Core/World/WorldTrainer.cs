using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.World;

/// <summary>What a finished (or stopped) run did.</summary>
public sealed record TrainResult(int Steps, long Tokens, double Seconds, double FinalLoss, bool Resumed, IReadOnlyList<double> LossCurve);

/// <summary>
/// Trains any causal LM (ids [B,T] int64 → logits [B,T,V]) on a world's text with next-token
/// cross-entropy. Seeded and resumable: with a checkpoint folder it saves model, optimizer and
/// <see cref="TrainState"/> every <see cref="TrainOptions.CheckpointEvery"/> steps and, when started
/// again on the same folder, continues from the last checkpoint.
/// </summary>
public sealed class WorldTrainer
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Func<int, IEnumerable<int[]>> _epochDocuments;
    private readonly TrainOptions _o;
    private readonly string? _checkpointDir;
    private readonly Action<string> _log;
    private readonly Func<string, double> _scale;

    /// <param name="epochDocuments">Token ids of epoch e's documents; must be deterministic in e.</param>
    /// <param name="parameterScale">Per parameter name, a factor c ≤ 1 by which the parameter stands for c × a
    /// parameter trained at the usual rate (see <see cref="ScaledGroup"/>); null = 1 for all.</param>
    public WorldTrainer(nn.Module<Tensor, Tensor> model, Func<int, IEnumerable<int[]>> epochDocuments,
        TrainOptions options, string? checkpointDir = null, Action<string>? log = null, Func<string, double>? parameterScale = null)
    {
        options.Validate();
        _model = model;
        _scale = parameterScale ?? (_ => 1.0);
        _epochDocuments = epochDocuments;
        _o = options;
        _checkpointDir = checkpointDir;
        _log = log ?? Console.WriteLine;
    }

    public TrainResult Run(CancellationToken cancel = default)
    {
        torch.set_num_threads(_o.Threads);
        torch.manual_seed(_o.Seed);
        _model.train();
        var parameters = _model.parameters().ToList();
        var groups = _model.named_parameters().GroupBy(p => _scale(p.name)).OrderByDescending(g => g.Key)
            .Select(g => new ScaledGroup(g.Key, g.Select(p => p.parameter).ToList())).ToList();
        using var optimizer = torch.optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters,
            _o.LearningRate * g.Scale, _o.Beta1, _o.Beta2, 1e-8, _o.WeightDecay / g.Scale)), _o.LearningRate, _o.Beta1, _o.Beta2, 1e-8, _o.WeightDecay);

        // PlannedSteps 0 = "not planned yet": a time-budgeted run plans after its first steps.
        var state = Resume(optimizer)
            ?? new TrainState(0, 0, 0, _o.TimeBudget is null ? _o.MaxSteps : 0, 0, 0, _o.Seed, "", new List<double>());
        bool resumed = state.Step > 0;
        int step = state.Step, epoch = state.Epoch, batch = state.BatchInEpoch, planned = state.PlannedSteps;
        long tokens = state.TokensSeen;
        double elapsedBefore = state.ElapsedSeconds;
        var curve = state.LossCurve;
        var clock = Stopwatch.StartNew();
        var stepTimes = new List<double>();
        double lossSum = 0, lastLoss = double.NaN; int lossCount = 0; long tokensAtLog = tokens; double timeAtLog = 0;

        var blocks = new TokenBlocks(_epochDocuments(epoch), _o.BlockSize);
        RequireBlocks(blocks, epoch);
        while (!Done(step, planned, elapsedBefore + clock.Elapsed.TotalSeconds) && !cancel.IsCancellationRequested)
        {
            if ((batch + 1) * _o.BatchSize > blocks.Count)
            {
                epoch++; batch = 0;
                blocks = new TokenBlocks(_epochDocuments(epoch), _o.BlockSize);
                RequireBlocks(blocks, epoch);
            }
            double t0 = clock.Elapsed.TotalSeconds;
            double lr = LrSchedule.At(step, planned > 0 ? planned : int.MaxValue, _o);
            foreach (var (g, sg) in optimizer.ParamGroups.Zip(groups)) g.LearningRate = lr * sg.Scale;
            lastLoss = TrainStep(optimizer, parameters, groups, blocks, batch);
            step++; batch++;
            tokens += (long)_o.BatchSize * _o.BlockSize;
            lossSum += lastLoss; lossCount++;
            planned = PlanSteps(planned, step, stepTimes, clock.Elapsed.TotalSeconds - t0, elapsedBefore + clock.Elapsed.TotalSeconds);

            if (step % _o.LogEvery == 0)
            {
                double now = clock.Elapsed.TotalSeconds;
                curve.Add(lossSum / lossCount);
                _log($"step {step}/{(planned > 0 ? planned.ToString() : "?")} epoch {epoch} loss {lossSum / lossCount:F4} " +
                     $"lr {lr:E2} tok/s {(tokens - tokensAtLog) / Math.Max(1e-9, now - timeAtLog):F0} elapsed {elapsedBefore + now:F0}s");
                lossSum = 0; lossCount = 0; tokensAtLog = tokens; timeAtLog = now;
            }
            if (_checkpointDir is not null && _o.CheckpointEvery > 0 && step % _o.CheckpointEvery == 0)
                Checkpoint(optimizer, new TrainState(step, epoch, batch, planned, elapsedBefore + clock.Elapsed.TotalSeconds, tokens, _o.Seed, "", curve));
        }
        double total = elapsedBefore + clock.Elapsed.TotalSeconds;
        if (_checkpointDir is not null)
            Checkpoint(optimizer, new TrainState(step, epoch, batch, planned, total, tokens, _o.Seed, "", curve));
        _model.eval();
        // A resumed run with nothing left to do reports the loss it had reached.
        if (double.IsNaN(lastLoss) && curve.Count > 0) lastLoss = curve[^1];
        return new TrainResult(step, tokens, total, lastLoss, resumed, curve);
    }

    private bool Done(int step, int planned, double elapsed) =>
        (planned > 0 && step >= planned) || (_o.MaxSteps > 0 && step >= _o.MaxSteps)
        // Safety margin only: normally the planned step count ends the run inside the budget.
        || (_o.TimeBudget is { } b && elapsed >= b.TotalSeconds * 1.05);

    /// <summary>
    /// With a time budget, (re)plans the total step count from the mean step time so far (step 1, which
    /// includes one-off allocation, is left out): first after 10 steps, then at every log line, so a
    /// machine that gets busier or quieter still ends the cosine schedule at the budget. Without a
    /// budget the plan is the step limit and the schedule is a pure function of the step.
    /// </summary>
    private int PlanSteps(int planned, int step, List<double> stepTimes, double stepSeconds, double elapsed)
    {
        if (_o.TimeBudget is not { } budget) return planned;
        if (step > 1) stepTimes.Add(stepSeconds);
        bool due = planned == 0 ? stepTimes.Count >= 10 : step % _o.LogEvery == 0;
        if (!due || stepTimes.Count == 0) return planned;
        double mean = stepTimes.Skip(Math.Max(0, stepTimes.Count - 200)).Average();
        int fit = step + (int)Math.Max(0, (budget.TotalSeconds - elapsed) / mean);
        int plan = Math.Max(step, _o.MaxSteps > 0 ? Math.Min(_o.MaxSteps, fit) : fit);
        if (planned == 0) _log($"planned {plan} steps for a {budget.TotalSeconds:F0}s budget ({mean * 1000:F0} ms/step)");
        return plan;
    }

    /// <summary>
    /// Parameters p that stand for p = c·p′, p′ trained like every other weight: AdamW on p′ is AdamW on p with
    /// lr × c and weight decay / c (Adam's step does not depend on the gradient's scale, so only the step size
    /// and the decoupled decay change), and the gradient clipped as p′'s, c × p's. GPT-Neo's unscaled attention
    /// scores use it for q_proj with c = 1/√head_dim: it then trains as GPT-2's scaled scores do (WORLD.md, D-L3s).
    /// </summary>
    private sealed record ScaledGroup(double Scale, IList<Parameter> Parameters);

    private double TrainStep(optim.Optimizer optimizer, IList<Parameter> parameters, IList<ScaledGroup> groups, TokenBlocks blocks, int batch)
    {
        using var scope = torch.NewDisposeScope();
        int T = _o.BlockSize, B = _o.BatchSize;
        var data = new long[B * (T + 1)];
        for (int b = 0; b < B; b++) blocks.Block(batch * B + b).CopyTo(data.AsSpan(b * (T + 1), T + 1));
        var all = torch.tensor(data, new long[] { B, T + 1 });
        var x = all[.., ..T];
        var y = all[.., 1..];
        optimizer.zero_grad();
        var logits = _model.call(x);                                  // [B, T, V]
        var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), y.reshape(-1));
        loss.backward();
        using (torch.no_grad())
            foreach (var g in groups.Where(g => g.Scale != 1.0))
                foreach (var p in g.Parameters) p.grad?.mul_(g.Scale);
        if (_o.ClipNorm > 0) nn.utils.clip_grad_norm_(parameters, _o.ClipNorm);
        optimizer.step();
        return loss.item<float>();
    }

    private TrainState? Resume(optim.Optimizer optimizer)
    {
        if (_checkpointDir is null) return null;
        Directory.CreateDirectory(_checkpointDir);
        var state = TrainState.TryLoad(_checkpointDir);
        if (state is null) return null;
        if (state.Seed != _o.Seed)
            throw RelensException.InFile(_checkpointDir, $"checkpoint was made with seed {state.Seed}, this run uses {_o.Seed}");
        _model.load(Path.Combine(_checkpointDir, TrainState.ModelFile));
        ((OptimizerHelper)optimizer).load_state_dict(Path.Combine(_checkpointDir, TrainState.OptimizerFile));
        if (state.TorchRngState.Length > 0)
        {
            using var rng = torch.tensor(Convert.FromBase64String(state.TorchRngState), dtype: ScalarType.Byte);
            torch.set_rng_state(rng);
        }
        _log($"resumed at step {state.Step} (epoch {state.Epoch}, {state.ElapsedSeconds:F0}s trained)");
        return state;
    }

    private void Checkpoint(optim.Optimizer optimizer, TrainState state)
    {
        string dir = _checkpointDir!;
        // Model and optimizer go to temporary names first; the state file (written last) makes them current.
        _model.save(Path.Combine(dir, TrainState.ModelFile + ".tmp"));
        ((OptimizerHelper)optimizer).save_state_dict(Path.Combine(dir, TrainState.OptimizerFile + ".tmp"));
        File.Move(Path.Combine(dir, TrainState.ModelFile + ".tmp"), Path.Combine(dir, TrainState.ModelFile), true);
        File.Move(Path.Combine(dir, TrainState.OptimizerFile + ".tmp"), Path.Combine(dir, TrainState.OptimizerFile), true);
        using var rng = torch.get_rng_state();
        (state with { TorchRngState = Convert.ToBase64String(rng.bytes.ToArray()) }).Save(dir);
    }

    private void RequireBlocks(TokenBlocks blocks, int epoch)
    {
        if (blocks.Count < _o.BatchSize)
            throw new RelensException($"epoch {epoch} has {blocks.Count} blocks of {_o.BlockSize} tokens, fewer than one batch of {_o.BatchSize}");
    }
}
