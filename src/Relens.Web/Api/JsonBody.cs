using System.Text.Json;

namespace Relens.Web.Api;

/// <summary>
/// Reads a JSON request body by hand rather than through minimal-API binding, which answers a malformed or
/// oversized body with an empty 400: here each failure gets its own status and message.
/// </summary>
public static class JsonBody
{
    /// <param name="shape">What the body should look like, for the error message.</param>
    public static async Task<T> Read<T>(HttpRequest request, long maxBytes, JsonSerializerOptions json, string shape) where T : class
    {
        // Requiring JSON also means a cross-site page cannot post here without a CORS preflight (which is refused).
        if (request.ContentType is not { } type || !type.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "the body must be JSON (Content-Type: application/json)");
        if (request.ContentLength > maxBytes)
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"request body too large ({request.ContentLength} bytes; limit {maxBytes})");
        try
        {
            // Kestrel's MaxRequestBodySize stops bodies without a Content-Length (chunked) at the same limit.
            return await JsonSerializer.DeserializeAsync<T>(request.Body, json, request.HttpContext.RequestAborted)
                ?? throw ApiException.BadRequest("the body must be a JSON object, not null");
        }
        catch (JsonException e)
        {
            // the position only: JsonException's message can name .NET types, which mean nothing to a client
            throw ApiException.BadRequest($"malformed JSON body (at {e.Path ?? "$"}, line {(e.LineNumber ?? 0) + 1}, byte {e.BytePositionInLine ?? 0}); " +
                $"expected {shape}");
        }
    }
}
