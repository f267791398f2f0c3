using System.Text.Json.Serialization;
using Relens.Tracing;
using Relens.Web.Api;

namespace Relens.Web;

/// <summary>POST /api/trace body: <c>{"prompt": "...", "subject": "...", "kind": "state", "object": null, "samples": 10, "window": null}</c>.</summary>
public sealed record TraceRequest
{
    public const int DefaultSamples = 10, MaxSamples = 50;

    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    [JsonPropertyName("subject")] public string? Subject { get; init; }
    /// <summary>state, mlp, attn or knockout (default state).</summary>
    [JsonPropertyName("kind")] public string? Kind { get; init; }
    /// <summary>The expected object: the answer says whether the model knows the fact (the CLI's check).</summary>
    [JsonPropertyName("object")] public string? Object { get; init; }
    [JsonPropertyName("samples")] public int? Samples { get; init; }
    /// <summary>The MLP/attention restoring window, or the knockout window; null = the papers' (10, 9), clamped to the model.</summary>
    [JsonPropertyName("window")] public int? Window { get; init; }

    [JsonIgnore] public TraceKind KindOrDefault => Kind is null ? TraceKind.State : TraceKinds.Parse(Kind);

    /// <summary>Checks what can be checked without the model (token counts and window sizes need it).</summary>
    public void Validate(WebServerOptions limits)
    {
        if (string.IsNullOrWhiteSpace(Prompt)) throw ApiException.BadRequest("'prompt' is required and must not be empty");
        if (Prompt.Length > limits.MaxPromptChars)
            throw ApiException.BadRequest($"'prompt' has {Prompt.Length} characters; the limit is {limits.MaxPromptChars}");
        if (string.IsNullOrEmpty(Subject)) throw ApiException.BadRequest("'subject' is required: the words of the prompt whose embeddings are corrupted");
        if (!Prompt.Contains(Subject, StringComparison.Ordinal)) throw ApiException.BadRequest($"'subject' \"{Subject}\" does not occur in the prompt");
        if (Samples is < 1 or > MaxSamples) throw ApiException.BadRequest($"'samples' must be between 1 and {MaxSamples}, got {Samples}");
        if (Window is < 1) throw ApiException.BadRequest($"'window' must be at least 1, got {Window}");
        try { _ = KindOrDefault; }
        catch (RelensException e) { throw ApiException.BadRequest(e.Message.Replace("--kind", "'kind'")); }
    }

    public TraceOptions Options(int numLayers)
    {
        var o = new TraceOptions { Samples = Samples ?? DefaultSamples };
        if (Window is { } w) o = o with { Window = w, KnockoutWindow = w };
        o = o.ClampWindows(numLayers, Window is not null, Window is not null);
        if (Window is { } given && given > numLayers) throw ApiException.BadRequest($"'window' {given} is larger than the model ({numLayers} layers)");
        return o;
    }
}
