using System.Text.Json;

namespace Relens.Web.Api;

/// <summary>The JSON API behind the pages (docs/WEB.md). Handlers are thin: validation and data live in the services.</summary>
public static class ApiRoutes
{
    public static void Map(WebApplication app, RunResults run, LensService lens, WebServerOptions options, JsonSerializerOptions json)
    {
        var trace = new TraceService(lens, options);
        var estimate = new EstimateService(lens, run);
        app.MapGet("/api/run", () => Results.Json(new
        {
            results_directory = run.Folder.Directory,
            run = run.Info,
            model = new { directory = lens.ModelDirectory, loaded = lens.Model is not null, identity = lens.ModelIdentity, problem = lens.ModelProblem },
            summary = SummaryHeadline(run),
            limits = new { max_prompt_chars = options.MaxPromptChars, max_prompt_tokens = options.MaxPromptTokens, max_top = options.MaxTopK, max_body_bytes = options.MaxBodyBytes },
        }, json));

        app.MapGet("/api/relations", () =>
        {
            var summary = run.Summary();
            var saved = run.Folder.SavedLres().ToHashSet();
            return Results.Json(new
            {
                categories = summary.Categories,
                relations = summary.Relations.Select(r => new
                {
                    r.Relation, r.Category, r.Samples, r.DistinctObjects, r.Chance, r.Majority, r.ValidTrials, r.MeanKnown,
                    r.Faithfulness, r.Causality, r.FaithfulnessAtBestLayer, r.FaithfulnessBestLayer, r.CausalityBestLayer,
                    r.BestRank, r.Linear, r.Note,
                    Lre = saved.Contains(Reporting.RunFolder.Stem(r.Relation)) ? Reporting.RunFolder.Stem(r.Relation) : null,
                }),
            }, json);
        });

        app.MapGet("/api/relations/{name}", (string name, string? layer) => Results.Json(RelationDetails.Build(run, name, layer), json));

        app.MapGet("/api/lres", () => Results.Json(new { lres = lens.Lres.List() }, json));

        app.MapPost("/api/lens", async (HttpContext ctx) =>
        {
            var request = await JsonBody.Read<LensRequest>(ctx.Request, options.MaxBodyBytes, json,
                "{\"prompt\": string, \"lre\": string or null, \"top\": integer}");
            request.Validate(options);
            return Results.Json(await lens.RunAsync(request, ctx.RequestAborted), json);
        });

        app.MapPost("/api/trace", async (HttpContext ctx) =>
        {
            var request = await JsonBody.Read<TraceRequest>(ctx.Request, options.MaxBodyBytes, json,
                "{\"prompt\": string, \"subject\": string, \"kind\": \"state\"|\"mlp\"|\"attn\"|\"knockout\", \"object\": string or null, \"samples\": integer, \"window\": integer or null}");
            request.Validate(options);
            var result = await trace.RunAsync(request, ctx.RequestAborted);
            return Results.Text(result.ToJsonString(), "application/json; charset=utf-8");
        });

        app.MapPost("/api/estimate", async (HttpContext ctx) =>
        {
            var request = await JsonBody.Read<EstimateRequest>(ctx.Request, options.MaxBodyBytes, json,
                "{\"relation\": string, \"layer\": \"emb\"|string, \"beta\": number, \"train_subjects\": [string] | \"train_samples\": [{\"subject\": string, \"object\": string}]}");
            request.Validate();
            return Results.Json(await estimate.RunAsync(request, ctx.RequestAborted), json);
        });
    }

    // /api/run answers even before the run is summarised, so the pages can say so.
    private static object? SummaryHeadline(RunResults run)
    {
        if (!File.Exists(run.Folder.SummaryPath)) return null;
        var s = run.Summary();
        return new { relations = s.Relations.Count, mean_faithfulness = s.MeanFaithfulness, mean_causality = s.MeanCausality, pearson_r = s.PearsonR };
    }
}
