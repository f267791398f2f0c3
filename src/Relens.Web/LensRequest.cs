using System.Text.Json.Serialization;
using Relens.Web.Api;

namespace Relens.Web;

/// <summary>POST /api/lens body: <c>{"prompt": "...", "lre": "stem" | "identity" | null, "top": 5}</c>.</summary>
public sealed record LensRequest
{
    public const string Identity = "identity";
    public const int DefaultTop = 5;

    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    /// <summary>A saved LRE's name; null, "" or "identity" = the logit lens.</summary>
    [JsonPropertyName("lre")] public string? Lre { get; init; }
    [JsonPropertyName("top")] public int? Top { get; init; }

    [JsonIgnore] public bool IsIdentity => string.IsNullOrEmpty(Lre) || Lre == Identity;
    [JsonIgnore] public int TopOrDefault => Top ?? DefaultTop;

    /// <summary>Checks what can be checked without the model (token counts need the tokenizer).</summary>
    public void Validate(WebServerOptions limits)
    {
        if (string.IsNullOrWhiteSpace(Prompt)) throw ApiException.BadRequest("'prompt' is required and must not be empty");
        if (Prompt.Length > limits.MaxPromptChars)
            throw ApiException.BadRequest($"'prompt' has {Prompt.Length} characters; the limit is {limits.MaxPromptChars}");
        if (TopOrDefault < 1 || TopOrDefault > limits.MaxTopK)
            throw ApiException.BadRequest($"'top' must be between 1 and {limits.MaxTopK}, got {TopOrDefault}");
    }
}
