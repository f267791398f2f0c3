using System.Text.Json;

namespace Relens.Web.Api;

/// <summary>
/// Every failure leaves the server as <c>{"error": "..."}</c> with a fitting status. Messages come from
/// <see cref="ApiException"/> and <see cref="RelensException"/> (written for users); anything else is a bug,
/// logged with its stack trace on the server and reported to the client only as "internal error".
/// </summary>
public static class ApiErrors
{
    public static Task Write(HttpContext ctx, int status, string message)
    {
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        // The unread rest of an oversized body cannot be drained, so Kestrel drops the connection after
        // answering; saying so stops a client from reusing it for its next request and seeing a reset.
        if (status == StatusCodes.Status413PayloadTooLarge) ctx.Response.Headers.Connection = "close";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
    }

    /// <summary>Middleware: turns exceptions thrown by endpoints into JSON errors.</summary>
    public static async Task Catch(HttpContext ctx, RequestDelegate next, ILogger log, long maxBodyBytes)
    {
        try
        {
            await next(ctx);
        }
        catch (Exception e) when (ctx.Response.HasStarted || ctx.RequestAborted.IsCancellationRequested)
        {
            // nothing useful can be sent any more; keep the server log quiet for clients that went away
            if (!ctx.RequestAborted.IsCancellationRequested) log.LogError(e, "{Method} {Path} failed after the response started", ctx.Request.Method, ctx.Request.Path);
        }
        catch (ApiException e)
        {
            await Write(ctx, e.Status, e.Message);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own checks, e.g. a chunked body that grows past MaxRequestBodySize
            await Write(ctx, e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"request body too large (limit {maxBodyBytes} bytes)" : "bad request");
        }
        catch (RelensException e)
        {
            // Relens's own validation of user input (a prompt with no tokens, an LRE from another model, ...)
            await Write(ctx, StatusCodes.Status400BadRequest, e.Message);
        }
        catch (Exception e)
        {
            log.LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
            await Write(ctx, StatusCodes.Status500InternalServerError, "internal error (details are in the server's log)");
        }
    }

    /// <summary>Status-code pages: unmatched routes and methods get a JSON body like every other error.</summary>
    public static Task ForBareStatus(HttpContext ctx) => ctx.Response.StatusCode switch
    {
        400 => Write(ctx, 400, "bad request"),
        404 => Write(ctx, 404, $"no such page or API: {ctx.Request.Path}"),
        405 => Write(ctx, 405, $"{ctx.Request.Method} is not allowed on {ctx.Request.Path}"),
        415 => Write(ctx, 415, "unsupported content type"),
        var s => Write(ctx, s, "request failed"),
    };
}
