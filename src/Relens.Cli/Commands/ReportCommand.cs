using System.CommandLine;
using Relens.Quantization;
using Relens.Cli.CommandLine;
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
public sealed class ReportCommand(Func<string, LanguageModel>? loadModel, TextWriter? output) : CommandBase(output)
{
    public ReportCommand() : this(null, null) { }

    public override string Name => "report";
    public override string Summary => "re-render summary and report.html of a run folder from its stored results";

    public RunReport.Result? LastResult { get; private set; }

    private readonly Argument<string?> _folder = new("results") { HelpName = "DIR", Description = "the run folder (or --results DIR)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string?> _results = Opt.Text("--results", "DIR", "the run folder");
    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "the model for the lens heat maps (default: run.json's model_directory)");
    private readonly Option<string?> _relations = Opt.Text("--relations", "DIR", "the relations folder (default: the run's)");
    private readonly Option<bool> _noLens = Opt.Flag("--no-lens", "leave the lens heat maps out (no model is loaded)");

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens report --results DIR [--model DIR] [--relations DIR] [--no-lens]"],
            Details = "Re-renders summary.json, summary.csv and report.html of a run folder from its results.jsonl. The lens heat maps need "
                + "the model (run.json's model_directory, or --model); without it they are left out with a note.",
        };
        foreach (var symbol in new Option[] { _results, _model, _relations, _noLens }) command.Add(symbol);
        command.Add(_folder);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult r)
    {
        var folder = new RunFolder(r.GetValue(_results) ?? r.GetValue(_folder) ?? throw new RelensException("missing required option --results DIR"));
        if (!Directory.Exists(folder.Directory)) throw RelensException.InFile(folder.Directory, "results folder not found");
        OutputFolderCheck.CheckFiles("--results", folder.SummaryPath, folder.SummaryCsvPath, folder.ReportPath);
        var terminal = Terminal.Create(true, Output);
        var info = folder.LoadInfo();
        if (!File.Exists(folder.ResultsPath)) throw RelensException.InFile(folder.ResultsPath, "missing: this run has no stored results yet");
        var records = folder.LoadRecords();

        RelationDataset dataset;
        try { dataset = RelationDataset.Load(r.GetValue(_relations) ?? info.RelationsDirectory); }
        catch (RelensException e) when (!r.Given(_relations)) { throw new RelensException($"{e.Message} (the run's relations folder; pass --relations DIR)") { Path = e.Path }; }
        var relations = info.Relations.Select(dataset.Find).ToList();

        var notes = new List<string>();
        string modelDir = r.GetValue(_model) ?? info.ModelDirectory;
        ITokenizer? tokenizer = null;
        try { tokenizer = TokenizerLoader.FromDirectory(modelDir); }
        catch (RelensException e) { terminal.Muted($"tokenizer not loaded ({e.Message})"); }

        LanguageModel? lm = null;
        try
        {
            if (r.GetValue(_noLens)) notes.Add("Lens heat maps left out (--no-lens).");
            else
            {
                try { lm = ModelLoadOptions.Load(loadModel, modelDir, info.Quantization is { } q ? QuantizeOptions.FromDescription(q) : null); }
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
