using System.CommandLine;
using Relens.Benchmarks;
using Relens.Cli.CommandLine;
using Relens.Models;
using Relens.Quantization;
using Relens.Relations;

namespace Relens.Cli.Commands;

// ---- --quantize (issue #15): every option of bench that concerns quantisation, in one place ----
/// <summary>`--quantize S [--quantize-embeddings]` benches the quantised model(s); `--compare-quantization [--rounds N]
/// [--forward-repeats N]` instead times forward and LRE at float32, q8_0, q4_0 and nf4 in the same run
/// (<see cref="QuantSpeedBenchmark"/>).</summary>
internal sealed class BenchQuantOptions
{
    private readonly ModelLoadOptions _load = new();
    private readonly Option<bool> _compare = Opt.Flag("--compare-quantization", "instead: time forward and LRE at float32, q8_0, q4_0 and nf4 in the same run");
    private readonly Option<int> _rounds = Opt.Int("--rounds", "N", "rounds of --compare-quantization", 3);
    private readonly Option<int> _forwardRepeats = Opt.Int("--forward-repeats", "N", "forward passes per round of --compare-quantization", 5);

    public QuantizeOptions? Scheme { get; private set; }
    public bool CompareSchemes { get; private set; }
    private int Rounds { get; set; }
    private int ForwardRepeats { get; set; }

    public void AddTo(Command command)
    {
        _load.AddTo(command);
        foreach (var option in new Option[] { _compare, _rounds, _forwardRepeats }) command.Add(option);
    }

    public BenchQuantOptions From(ParseResult a)
    {
        var scheme = _load.Quantization(a);
        bool compare = a.GetValue(_compare);
        if (compare && scheme is not null) throw new RelensException("--compare-quantization times every scheme against float32; leave out --quantize");
        if (!compare && (a.Given(_rounds) || a.Given(_forwardRepeats))) throw new RelensException("--rounds and --forward-repeats belong to --compare-quantization");
        int rounds = a.GetValue(_rounds), repeats = a.GetValue(_forwardRepeats);
        if (rounds < 1 || repeats < 1) throw new RelensException("--rounds and --forward-repeats must be at least 1");
        (Scheme, CompareSchemes, Rounds, ForwardRepeats) = (scheme, compare, rounds, repeats);
        return this;
    }

    /// <summary>All variants stay loaded together, so each round times them back to back.</summary>
    public QuantSpeedReport Speed(string title, Func<QuantizeOptions?, LanguageModel> create, Relation relation, BenchSettings settings)
    {
        Console.WriteLine($"\n== {title}: float32 against {string.Join(", ", QuantSchemes.All.Select(x => x.Name()))}, load average {BenchCommand.LoadAverage()}");
        var variants = new List<(string, LanguageModel)>();
        try
        {
            variants.Add(("float32", create(null)));
            foreach (var scheme in QuantSchemes.All) variants.Add((scheme.Name(), create(new QuantizeOptions(scheme))));
            var report = QuantSpeedBenchmark.Run(variants, relation, settings, Rounds, ForwardRepeats, Console.WriteLine);
            Console.WriteLine();
            Console.Write(QuantSpeedReportText.Format(report));
            Console.WriteLine($"(load average {BenchCommand.LoadAverage()})");
            return report;
        }
        finally { foreach (var (_, lm) in variants) lm.Dispose(); }
    }
}
