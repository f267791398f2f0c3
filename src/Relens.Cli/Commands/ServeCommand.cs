using System.CommandLine;
using Relens.Cli.CommandLine;
using Relens.Web;

namespace Relens.Cli.Commands;

/// <summary>`relens serve`: the interactive viewer of a run folder (relations, per-relation detail, attribute lens).</summary>
public sealed class ServeCommand : CommandBase
{
    public override string Name => "serve";
    public override string Summary => "browse a run's results and try the attribute lens in a web browser";

    private static readonly WebServerOptions Defaults = new() { ResultsDirectory = "." };
    private readonly Option<string?> _results = Opt.Text("--results", "DIR", "a `relens run` output folder (default: the current folder)");
    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "the lens's model (default: the run's)");
    private readonly Option<string> _host = Opt.Text("--host", "ADDRESS", "the address to listen on (beyond this machine: no authentication)", Defaults.Host);
    private readonly Option<int> _port = Opt.Int("--port", "N", "the port (0 = any free one)", Defaults.Port);
    private readonly Option<int?> _threads = Opt.OptionalInt("--threads", "N", "libtorch's threads for the lens (default: libtorch's choice)");
    private readonly ModelLoadOptions _load = new();

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Details = "The web viewer of a `relens run` folder: relations, per-relation detail, the attribute lens, causal traces and LRE "
                + "estimates (these need the run's model, or --model). See docs/WEB.md.",
        };
        foreach (var option in new Option[] { _results, _model, _host, _port, _threads }) command.Add(option);
        _load.AddTo(command);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult r)
    {
        var options = new WebServerOptions
        {
            ResultsDirectory = r.GetValue(_results) ?? Directory.GetCurrentDirectory(),
            ModelDirectory = r.GetValue(_model),
            Host = r.GetValue(_host)!,
            Port = r.GetValue(_port),
            Threads = r.GetValue(_threads),
            // --quantize (issue #15): the lens's model quantised at load; without it, as run.json says the run was
            Quantization = _load.Quantization(r),
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
