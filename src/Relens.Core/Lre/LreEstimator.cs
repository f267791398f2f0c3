using System.Diagnostics;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lre;

/// <summary>
/// The paper's JacobianIclMeanEstimator: for each training sample, the Jacobian of z w.r.t. h on a prompt
/// whose shots are the OTHER n−1 training samples (list order); W = mean J, b = mean(z − J·h).
/// </summary>
public static class LreEstimator
{
    public static LinearRelation Estimate(LanguageModel lm, string relationName, string template,
        IReadOnlyList<RelationSample> train, LayerRef layer, double beta, JacobianOptions? options = null) =>
        EstimateLayers(lm, relationName, template, train, [layer], beta, options)[0];

    /// <summary>
    /// One LRE per layer of <paramref name="layers"/> (in that order) from one Jacobian pass per training prompt:
    /// with the linearized Jacobian, a whole layer sweep costs about one estimate at its lowest layer.
    /// Each LRE's "jacobian" time is its share of the shared passes; "jacobian_pass" is their full time
    /// ("jacobian_pass_cpu" in process CPU seconds).
    /// </summary>
    public static IReadOnlyList<LinearRelation> EstimateLayers(LanguageModel lm, string relationName, string template,
        IReadOnlyList<RelationSample> train, IReadOnlyList<LayerRef> layers, double beta, JacobianOptions? options = null)
    {
        if (train.Count == 0) throw new RelensException($"relation '{relationName}': an LRE needs at least one training sample");
        if (layers.Count == 0) throw new ArgumentException("no layers requested", nameof(layers));
        foreach (var l in layers) l.Validate(lm.Model);
        var total = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        long d = lm.Model.HiddenSize;
        var distinct = layers.Distinct().ToList();
        var weight = distinct.ToDictionary(l => l, _ => torch.zeros(d, d));
        var bias = distinct.ToDictionary(l => l, _ => torch.zeros(d));
        var prompts = train.Select(sample =>
            SubjectPrompt.Create(lm, IclPrompt.Build(template, sample.Subject, train, lm.PromptPrefix), sample.Subject)).ToList();
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        double forwardSeconds = 0;
        SubjectJacobian.ComputeMany(lm.Model, prompts, distinct, (_, r) =>
        {
            forwardSeconds += r.ForwardSeconds;
            foreach (var l in distinct)
            {
                weight[l].add_(r.Jacobians[l]);
                bias[l].add_(r.Z - torch.matmul(r.Jacobians[l], r.H[l]));
            }
        }, options);
        double jacobianSeconds = clock.Elapsed.TotalSeconds - forwardSeconds;
        // process CPU time (all threads): steadier than wall time when other jobs share the cores
        double jacobianCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        string promptTemplate = IclPrompt.Template(template, train, lm.PromptPrefix);
        return layers.Select(l =>
        {
            var info = new LinearRelationInfo
            {
                Relation = relationName,
                PromptTemplate = promptTemplate,
                TrainingSamples = train.ToList(),
                ModelIdentity = lm.Identity,
                ModelType = lm.ModelType,
                ModelDirectory = lm.Directory,
                TimingSeconds = new Dictionary<string, double>
                {
                    // forward: the no-gradient passes reading h and z (recording tapes when linearized), shared by all
                    // layers; jacobian: this layer's share of the backward passes; jacobian_pass: all of them
                    ["forward"] = Math.Round(forwardSeconds, 4),
                    ["jacobian"] = Math.Round(jacobianSeconds / distinct.Count, 4),
                    ["jacobian_pass"] = Math.Round(jacobianSeconds, 4),
                    ["jacobian_pass_cpu"] = Math.Round(jacobianCpuSeconds, 4),
                    ["total"] = Math.Round(total.Elapsed.TotalSeconds, 4),
                },
            };
            return new LinearRelation(weight[l] / train.Count, bias[l] / train.Count, beta, l, info);
        }).ToList();
    }
}
