using Relens.Quantization;
using Relens.Cli.Output;
using Relens.Models;
using Relens.Relations;
using Relens.Reporting;
using Relens.Runs;
using Relens.Tokenization;

namespace Relens.Cli.Commands;

/// <summary>
/// `relens report --results DIR`: re-renders summary.json/csv and report.html from a run folder's stored
/// results. Needs only the tokenizer (for chance baselines) unless lens heat maps are wanted, which need the
/// model: run.json's model_directory, or --model; without it the lens section is left out with a note.
/// </summary>
public sealed class ReportCommand : ICommand
{
    private readonly Func<string, LanguageModel>? _loadModel;
    private readonly TextWriter? _output;

    public ReportCommand() : this(null, null) { }

    public ReportCommand(Func<string, LanguageModel>? loadModel, TextWriter? output)
    {
        _loadModel = loadModel;
        _output = output;
    }

    public string Name => "report";
    public string Summary => "re-render summary and report.html of a run folder from its stored results";

    public RunReport.Result? LastResult { get; private set; }

    public int Run(IReadOnlyList<string> args)
    {
        if (Usage.Requested(args)) return Usage.Print(Usage.Report, _output);
        var a = CliArgs.Parse(args, ["results", "model", "relations"], ["no-lens"]);
        var folder = new RunFolder(a.Get("results") ?? (a.Positional.Count == 1 ? a.Positional[0] : throw new RelensException("missing required option --results DIR")));
        if (!Directory.Exists(folder.Directory)) throw RelensException.InFile(folder.Directory, "results folder not found");
        OutputFolderCheck.CheckFiles("--results", folder.SummaryPath, folder.SummaryCsvPath, folder.ReportPath);
        var terminal = Terminal.Create(true, _output);
        var info = folder.LoadInfo();
        if (!File.Exists(folder.ResultsPath)) throw RelensException.InFile(folder.ResultsPath, "missing: this run has no stored results yet");
        var records = folder.LoadRecords();

        RelationDataset dataset;
        try { dataset = RelationDataset.Load(a.Get("relations") ?? info.RelationsDirectory); }
        catch (RelensException e) when (!a.Has("relations")) { throw new RelensException($"{e.Message} (the run's relations folder; pass --relations DIR)") { Path = e.Path }; }
        var relations = info.Relations.Select(dataset.Find).ToList();

        var notes = new List<string>();
        string modelDir = a.Get("model") ?? info.ModelDirectory;
        ITokenizer? tokenizer = null;
        try { tokenizer = TokenizerLoader.FromDirectory(modelDir); }
        catch (RelensException e) { terminal.Muted($"tokenizer not loaded ({e.Message})"); }

        LanguageModel? lm = null;
        try
        {
            if (a.Flag("no-lens")) notes.Add("Lens heat maps left out (--no-lens).");
            else
            {
                try { lm = ModelLoadArgs.Load(_loadModel, modelDir, info.Quantization is { } q ? QuantizeOptions.FromDescription(q) : null); }
                catch (RelensException e) { notes.Add($"Lens heat maps skipped: the model could not be loaded ({e.Message}). Pass --model DIR to include them."); }
            }
            var result = RunReport.Write(folder, info, relations, records, tokenizer ?? lm?.Tokenizer, lm, notes);
            LastResult = result;
            SummaryTable.Write(terminal, result.Summary, info.PaperHparams);
            foreach (var note in result.Notes) terminal.Muted("note: " + note);
            terminal.Line($"wrote {folder.SummaryPath}, {folder.SummaryCsvPath} and {result.ReportPath} ({result.LensExamples} lens heat maps)");
            return 0;
        }
        finally { lm?.Dispose(); }
    }
}
