using Relens.Web;

namespace Relens.Cli.Commands;

/// <summary>`relens serve`: the interactive viewer of a run folder (relations, per-relation detail, attribute lens).</summary>
public sealed class ServeCommand : ICommand
{
    public string Name => "serve";
    public string Summary => "browse a run's results and try the attribute lens in a web browser";

    public int Run(IReadOnlyList<string> args)
    {
        var a = CliArgs.Parse(args, ["results", "model", "port", "host", "threads", .. ModelLoadArgs.ValueOptions], [.. ModelLoadArgs.FlagOptions]);
        var options = new WebServerOptions
        {
            ResultsDirectory = a.Get("results") ?? Directory.GetCurrentDirectory(),
            ModelDirectory = a.Get("model"),
            Host = a.Get("host") ?? "127.0.0.1",
            Port = a.GetInt("port", 8765),
            Threads = a.Has("threads") ? a.GetInt("threads", 0) : null,
            // --quantize (issue #15): the lens's model quantised at load; without it, as run.json says the run was
            Quantization = ModelLoadArgs.Quantization(a),
        };
        // before the "loading" line: a folder that is not a run is an input error, not work begun
        var info = Path.Combine(Path.GetFullPath(options.ResultsDirectory), "run.json");
        if (!File.Exists(info)) throw RelensException.InFile(info, "missing: not a `relens run` output folder (--results DIR)");
        return Serve(options).GetAwaiter().GetResult();
    }

    private static async Task<int> Serve(WebServerOptions options)
    {
        Console.WriteLine($"relens serve: loading {Path.GetFullPath(options.ResultsDirectory)} ...");
        await using var server = await RelensWebServer.StartAsync(options);
        if (server.Lens.ModelProblem is { } problem) Console.WriteLine($"relens serve: lens disabled: {problem}");
        else Console.WriteLine($"relens serve: model {server.Lens.ModelDirectory}{(server.Lens.Model?.Quantization is { } q ? $", weights {q.Describe()}" : "")}");
        if (options.Host is not ("127.0.0.1" or "localhost" or "::1"))
            Console.WriteLine("relens serve: warning: listening beyond this machine; the viewer has no authentication");
        Console.WriteLine($"relens serve: open {server.Url}  (Ctrl+C stops)");
        await server.WaitForShutdownAsync();
        return 0;
    }
}
