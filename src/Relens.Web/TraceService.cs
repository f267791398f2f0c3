using System.Text.Json.Nodes;
using Relens.Evaluation;
using Relens.Tracing;
using Relens.Web.Api;

namespace Relens.Web;

/// <summary>
/// Causal tracing / attention knockout of one prompt for the viewer's trace page (POST /api/trace). It edits the shared
/// model's activations through hooks, so it runs under the lens's gate (<see cref="LensService.WithModelAsync"/>).
/// The answer is the JSON of `relens trace --prompt` (<see cref="TraceJson.Prompt"/>) plus the settings.
/// </summary>
public sealed class TraceService(LensService models, WebServerOptions options)
{
    private double? _sigma;   // 3 × std of the embeddings: one pass over the vocabulary, measured once (under the gate)

    public Task<JsonObject> RunAsync(TraceRequest request, CancellationToken cancel) => models.WithModelAsync(lm =>
    {
        var prompt = TracePrompt.Create(lm, request.Prompt!, request.Subject!, string.IsNullOrWhiteSpace(request.Object) ? null : request.Object);
        if (prompt.Count > options.MaxPromptTokens)
            throw ApiException.BadRequest($"the prompt has {prompt.Count} tokens; the trace view takes at most {options.MaxPromptTokens}");
        var traceOptions = request.Options(lm.Model.NumLayers);
        _sigma ??= NoiseScale.Sigma(lm.Model, traceOptions);
        var tracer = new CausalTracer(lm, traceOptions, _sigma.Value);
        var kind = request.KindOrDefault;
        var answer = tracer.Clean(prompt);
        var o = kind == TraceKind.Knockout
            ? TraceJson.Prompt(prompt, [], tracer.Knockout(prompt, answer))
            : TraceJson.Prompt(prompt, [tracer.Trace(prompt, kind, answer)], null);
        o["kind"] = kind.Name();
        o["known"] = prompt.Object is { } obj ? KnownFacts.IsKnown(lm, answer.AnswerId, obj) : null;
        o["settings"] = TraceJson.Settings(tracer, lm.Directory);
        return o;
    }, cancel);
}
