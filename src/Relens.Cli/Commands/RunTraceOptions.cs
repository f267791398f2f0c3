using System.CommandLine;
using Relens.Cli.CommandLine;
using Relens.Runs;
using Relens.Tracing;

namespace Relens.Cli.Commands;

/// <summary>`relens run --trace` (issue #13): every trace option of the run command, with the library's defaults
/// (<see cref="RunTraceSettings"/>, <see cref="TraceOptions"/>).</summary>
internal sealed class RunTraceOptions
{
    private static readonly RunTraceSettings Defaults = new();
    private readonly Option<bool> _trace = Opt.Flag("--trace", "then causal traces (`relens trace`) of each relation's first known facts under trial 0's prompts, averaged by token role, in traces/ and report.html");
    private readonly Option<int> _facts = Opt.Int("--trace-facts", "N", "known facts traced per relation (with --trace)", Defaults.MaxFacts);
    private readonly Option<string?> _kinds = Opt.Text("--trace-kind", "LIST", "state,mlp,attn,knockout or all (with --trace; default: all)").Suggest(["all", .. TraceKinds.All.Select(k => k.Name())]);
    private readonly Option<int> _samples = Opt.Int("--trace-samples", "N", "noise samples per corrupted run (with --trace)", Defaults.Options.Samples);
    private readonly Option<int?> _window = Opt.OptionalInt("--trace-window", "W", "the MLP/attention restoring window and the knockout window (with --trace; default: the papers' 10 and 9 clamped to the model; small models: try 1)");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _trace, _facts, _kinds, _samples, _window }) command.Add(option);
    }

    public RunTraceSettings? Settings(ParseResult r)
    {
        var given = new Option[] { _facts, _kinds, _samples, _window }.Where(r.Given).ToList();
        if (!r.GetValue(_trace))
            return given.Count == 0 ? null : throw new RelensException($"{given[0].Name} goes with --trace");
        var options = Defaults.Options;
        int? window = r.GetValue(_window);
        var settings = new RunTraceSettings
        {
            MaxFacts = r.GetValue(_facts),
            Kinds = TraceKinds.ParseList(r.GetValue(_kinds)),
            Options = options with
            {
                Samples = r.GetValue(_samples),
                Window = window ?? options.Window,
                KnockoutWindow = window ?? options.KnockoutWindow,
            },
            WindowsGiven = window is not null,
        };
        settings.Validate();
        return settings;
    }
}
