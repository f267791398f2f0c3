using System.Diagnostics;
using Relens.Evaluation;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Editing;

public sealed record FineTuneResult(int Steps, double Seconds, bool Converged, IReadOnlyList<double> Loss);

/// <summary>
/// The costly baseline: AdamW on every weight of the model, on sentences stating the new facts (each relation
/// template filled with the subject, then " " + o′, after the model's prompt prefix; the loss is the
/// cross-entropy of o′'s tokens only), until every edit's n-shot prompt answers o′ by the prefix rule (checked
/// every <see cref="FineTuneOptions.CheckEvery"/> steps) or <see cref="FineTuneOptions.MaxSteps"/>.
/// </summary>
public static class FineTuneEditor
{
    public static FineTuneResult Train(LanguageModel lm, IReadOnlyList<PlannedEdit> edits, FineTuneOptions o, Action<string>? log = null)
    {
        var clock = Stopwatch.StartNew();
        var (ids, targets) = Batch(lm, edits);
        var checkPrompts = edits.Select(e => e.Context.Prompt(lm, e.Subject)).ToList();
        var parameters = lm.Model.parameters().ToList();
        foreach (var p in parameters) p.requires_grad = true;
        var losses = new List<double>();
        int step = 0;
        bool converged = false;
        try
        {
            using var optimizer = torch.optim.AdamW(parameters, o.LearningRate, 0.9, 0.999, 1e-8, weight_decay: 0);
            while (true)
            {
                if (step % o.CheckEvery == 0 && AllAnswer(lm, checkPrompts, edits)) { converged = true; break; }
                if (step >= o.MaxSteps) break;
                using var scope = torch.NewDisposeScope();
                lm.Model.train();
                optimizer.zero_grad();
                var logits = lm.Model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.All }).Logits!;
                var loss = nn.functional.cross_entropy(logits.narrow(1, 0, logits.shape[1] - 1).reshape(-1, logits.shape[^1]),
                    targets.narrow(1, 1, targets.shape[1] - 1).reshape(-1), ignore_index: -100);
                loss.backward();
                optimizer.step();
                losses.Add(loss.item<float>());
                step++;
                lm.Model.eval();
            }
        }
        finally
        {
            lm.Model.eval();
            foreach (var p in parameters) { p.requires_grad = false; p.grad?.Dispose(); }
        }
        log?.Invoke($"fine-tuning: {step} steps, {clock.Elapsed.TotalSeconds:F1} s, {(converged ? "every edit prompt answers its new object" : "stopped at --max-steps without every edit taking")}");
        return new FineTuneResult(step, clock.Elapsed.TotalSeconds, converged, losses);
    }

    /// <summary>Right-padded token ids [S, T] and targets (-100 except on o′'s tokens).</summary>
    private static (Tensor Ids, Tensor Targets) Batch(LanguageModel lm, IReadOnlyList<PlannedEdit> edits)
    {
        var rows = new List<(int[] Prompt, int[] Answer)>();
        foreach (var e in edits)
            foreach (var t in e.Context.Relation.PromptTemplates.Distinct())
                rows.Add((lm.Tokenizer.Encode(IclPrompt.Single(t, e.Subject, lm.PromptPrefix)).Ids,
                          lm.Tokenizer.Encode(" " + e.NewObject, addSpecialTokens: false).Ids));
        int length = rows.Max(r => r.Prompt.Length + r.Answer.Length);
        long pad = lm.Tokenizer.EosTokenId ?? 0;
        var ids = new long[rows.Count * length];
        var targets = new long[rows.Count * length];
        Array.Fill(ids, pad);
        Array.Fill(targets, -100);
        for (int r = 0; r < rows.Count; r++)
        {
            var (p, a) = rows[r];
            for (int i = 0; i < p.Length; i++) ids[r * length + i] = p[i];
            for (int i = 0; i < a.Length; i++) { ids[r * length + p.Length + i] = a[i]; targets[r * length + p.Length + i] = a[i]; }
        }
        return (torch.tensor(ids, [rows.Count, length]), torch.tensor(targets, [rows.Count, length]));
    }

    private static bool AllAnswer(LanguageModel lm, IReadOnlyList<Lre.SubjectPrompt> prompts, IReadOnlyList<PlannedEdit> edits)
    {
        using var states = PromptStates.Read(lm, prompts, [], topK: 1);
        return edits.Select((e, i) => KnownFacts.IsKnown(lm, states.LmTopIds[i][0], e.NewObject)).All(x => x);
    }
}
