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
        IReadOnlyList<RelationSample> train, LayerRef layer, double beta, JacobianOptions? options = null)
    {
        if (train.Count == 0) throw new RelensException($"relation '{relationName}': an LRE needs at least one training sample");
        layer.Validate(lm.Model);
        var total = Stopwatch.StartNew();
        double jacobianSeconds = 0;
        using var scope = torch.NewDisposeScope();
        long d = lm.Model.HiddenSize;
        var weight = torch.zeros(d, d);
        var bias = torch.zeros(d);
        foreach (var sample in train)
        {
            var prompt = SubjectPrompt.Create(lm, IclPrompt.Build(template, sample.Subject, train, lm.PromptPrefix), sample.Subject);
            var clock = Stopwatch.StartNew();
            var r = SubjectJacobian.Compute(lm.Model, prompt, layer, options);
            jacobianSeconds += clock.Elapsed.TotalSeconds;
            weight.add_(r.Jacobian);
            bias.add_(r.Z - torch.matmul(r.Jacobian, r.H));
        }
        weight.div_(train.Count);
        bias.div_(train.Count);
        var info = new LinearRelationInfo
        {
            Relation = relationName,
            PromptTemplate = IclPrompt.Template(template, train, lm.PromptPrefix),
            TrainingSamples = train.ToList(),
            ModelIdentity = lm.Identity,
            ModelType = lm.ModelType,
            ModelDirectory = lm.Directory,
            TimingSeconds = new Dictionary<string, double>
            {
                // SubjectJacobian's prefix/suffix forward passes are part of its time; they are a small share.
                ["jacobian"] = Math.Round(jacobianSeconds, 4),
                ["total"] = Math.Round(total.Elapsed.TotalSeconds, 4),
            },
        };
        return new LinearRelation(weight, bias, beta, layer, info);
    }
}
