using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Relens.Web.Api;
using TorchSharp;

namespace Relens.Web;

/// <summary>
/// The viewer: Kestrel with the JSON API and the embedded pages, over one run folder and one model.
/// <c>relens serve</c> starts it and waits; tests start it on port 0 and read <see cref="Url"/>.
/// </summary>
public sealed class RelensWebServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LensService _lens;

    private RelensWebServer(WebApplication app, LensService lens, Uri url)
    {
        _app = app;
        _lens = lens;
        Url = url;
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:8765/.</summary>
    public Uri Url { get; }

    public LensService Lens => _lens;

    /// <summary>Loads the run and the model (RelensException if either is unusable), then starts listening.</summary>
    public static async Task<RelensWebServer> StartAsync(WebServerOptions options, CancellationToken cancel = default)
    {
        if (options.Threads is { } threads)
        {
            if (threads < 1) throw new RelensException($"--threads must be at least 1, got {threads}");
            torch.set_num_threads(threads);
        }
        var address = ParseHost(options.Host);
        if (options.Port is < 0 or > 65535) throw new RelensException($"--port must be 0..65535, got {options.Port}");
        var run = new RunResults(options.ResultsDirectory);
        var lens = LensService.Open(run, options);
        try
        {
            var app = Build(options, run, lens, address);
            await app.StartAsync(cancel);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new RelensWebServer(app, lens, new Uri(bound.Replace("[::]", "[::1]").Replace("0.0.0.0", "127.0.0.1") + "/"));
        }
        catch (IOException e)
        {
            lens.Dispose();
            // e.g. the port is taken: say so without a stack trace
            throw new RelensException($"cannot listen on {options.Host}:{options.Port}: {e.Message}", e);
        }
        catch
        {
            lens.Dispose();
            throw;
        }
    }

    private static WebApplication Build(WebServerOptions options, RunResults run, LensService lens, IPAddress address)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(RelensWebServer).Assembly.GetName().Name,
            ContentRootPath = run.Folder.Directory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(options.LogLevel);
        // a failed start (port taken) is rethrown to StartAsync and reported as one line; the host's own log of it is a stack trace
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.Listen(address, options.Port);
        });
        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Relens.Web");
        app.UseStatusCodePages(ctx => ApiErrors.ForBareStatus(ctx.HttpContext));
        // On loopback, only loopback host names: a web page elsewhere cannot read the API by DNS rebinding.
        if (IPAddress.IsLoopback(address))
            app.Use((ctx, next) => LoopbackNames.Contains(ctx.Request.Host.Host) ? next(ctx)
                : ApiErrors.Write(ctx, StatusCodes.Status400BadRequest, "this server answers only to localhost, 127.0.0.1 and [::1]"));
        app.Use((ctx, next) => ApiErrors.Catch(ctx, next, log, options.MaxBodyBytes));

        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        ApiRoutes.Map(app, run, lens, options, json);
        app.MapGet("/", () => StaticPages.Serve("index.html"));
        app.MapGet("/{file}", (string file) => StaticPages.Serve(file));
        return app;
    }

    private static readonly HashSet<string> LoopbackNames = new(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "[::1]" };

    private static IPAddress ParseHost(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        _ when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => ip,
        _ => throw new RelensException($"--host expects an IP address (127.0.0.1, 0.0.0.0, ::1, ...), got '{host}'"),
    };

    /// <summary>Runs until Ctrl+C / SIGTERM (or <paramref name="cancel"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        // stop first: in-flight lens runs finish before the model is freed
        await _app.StopAsync();
        await _app.DisposeAsync();
        _lens.Dispose();
    }
}
