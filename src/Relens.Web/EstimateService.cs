using System.Diagnostics;
using Relens.Lre;
using Relens.Models;
using Relens.Relations;
using Relens.Web.Api;

namespace Relens.Web;

/// <summary>
/// POST /api/estimate: one LRE of a relation of the run's relations folder, on the viewer's model, from the training
/// subjects or (subject, object) pairs the request names. Nothing is saved: the answer describes the estimate. The
/// Jacobians run forward passes on the shared model, so the work runs under the lens's gate.
/// </summary>
public sealed class EstimateService(LensService models, RunResults run)
{
    private readonly Lazy<RelationDataset> _dataset = new(() => RelationDataset.Load(run.Info.RelationsDirectory));

    public async Task<object> RunAsync(EstimateRequest request, CancellationToken cancel)
    {
        var relation = _dataset.Value.Find(request.Relation!);
        var layer = LayerRef.Parse(request.Layer!);
        var train = request.Split(relation).Train.Samples;   // a wrong subject or pair is refused before the model is busy
        double beta = request.Beta ?? EstimateRequest.DefaultBeta;
        return await models.WithModelAsync<object>(lm =>
        {
            layer.Validate(lm.Model);
            var clock = Stopwatch.StartNew();
            using var lre = LreEstimator.Estimate(lm, relation.Name, relation.PromptTemplate, train, layer, beta);
            return new
            {
                relation = relation.Name,
                layer = layer.ToString(),
                beta,
                train = train.Select(s => new { subject = s.Subject, @object = s.Object }),
                weight_norm = lre.Weight.norm().item<float>(),
                bias_norm = lre.Bias.norm().item<float>(),
                seconds = clock.Elapsed.TotalSeconds,
            };
        }, cancel);
    }
}
