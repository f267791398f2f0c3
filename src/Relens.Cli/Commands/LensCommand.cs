using System.CommandLine;
using System.Globalization;
using Relens.Cli.CommandLine;
using Relens.Cli.Output;
using Relens.Lens;
using Relens.Lre;
using Relens.Models;
using Relens.Runs;

namespace Relens.Cli.Commands;

/// <summary>
/// `relens lens --lre FILE|identity --prompt TEXT`: the attribute lens (a saved LRE applied to every layer and
/// token of a prompt; "identity" gives the logit lens) as a coloured table, optionally as a PNG.
/// </summary>
public sealed class LensCommand(Func<string, LanguageModel>? loadModel, TextWriter? output) : CommandBase(output)
{
    public LensCommand() : this(null, null) { }

    public override string Name => "lens";
    public override string Summary => "attribute lens (or logit lens with --lre identity) of a prompt, in the terminal and as PNG";

    public LensResult? LastResult { get; private set; }

    private readonly Option<string?> _lre = Opt.Text("--lre", "PREFIX|identity", "a saved LRE, or identity for the logit lens").Suggest("identity");
    private readonly Option<string?> _prompt = Opt.Text("--prompt", "TEXT", "the prompt (\"\\n\" is a line break)");
    private readonly Option<string?> _subject = Opt.Text("--subject", "S", "instead of --prompt: the LRE's own n-shot prompt for S");
    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "the model (default: the LRE's; required with --lre identity)");
    private readonly Option<int> _top = Opt.Int("--top", "K", "top tokens per cell", Relens.Web.LensRequest.DefaultTop);
    private readonly Option<string?> _expect = Opt.Text("--expect", "OBJECT", "mark cells whose top-1 is a prefix of OBJECT");
    private readonly Option<int> _columns = Opt.Int("--columns", "N", "at most N token columns in the terminal", 24);
    private readonly Option<string?> _png = Opt.Text("--png", "OUT.png", "also write the heat map as an image");
    private readonly Option<bool> _noColor = Opt.Flag("--no-color", "plain text instead of colours");
    private readonly ModelLoadOptions _load = new();

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens lens --lre PREFIX|identity (--prompt TEXT | --subject S) [--model DIR] [--top K] [--expect OBJECT] [--png OUT.png]"],
            Details = "The attribute lens: the LRE applied to the state at every layer and token of the prompt, decoded to its top tokens "
                + "(\"identity\" gives the logit lens). Cells whose top-1 is a prefix of --expect are marked.",
        };
        command.AddRequired(_lre);
        foreach (var option in new Option[] { _prompt, _subject, _model, _top, _expect, _columns, _png, _noColor }) command.Add(option);
        _load.AddTo(command);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult r)
    {
        var quantization = _load.Quantization(r);
        string lrePath = r.Required(_lre);
        if (r.Given(_prompt) == r.Given(_subject)) throw new RelensException("give either --prompt TEXT or --subject S (the LRE's own n-shot prompt for S)");
        int top = r.GetValue(_top);
        int columns = r.GetValue(_columns);
        if (top < 1) throw new RelensException($"--top must be at least 1, got {top}");
        if (columns < 1) throw new RelensException($"--columns must be at least 1, got {columns}");
        bool identity = lrePath.Equals("identity", StringComparison.OrdinalIgnoreCase);
        if (identity && r.Given(_subject)) throw new RelensException("--subject needs an LRE (its prompt template); with --lre identity give --prompt");
        string modelDir = identity
            ? r.GetValue(_model) ?? throw new RelensException("--lre identity (the logit lens) needs --model DIR")
            : SavedLre.ModelDirectory(lrePath, r.GetValue(_model));
        var terminal = Terminal.Create(r.GetValue(_noColor), Output);
        if (r.GetValue(_png) is { } pngPath) OutputFolderCheck.CheckFiles("--png", pngPath);

        using var lm = ModelLoadOptions.Load(loadModel, modelDir, quantization);
        if (top > lm.Model.VocabSize) throw new RelensException($"--top {top} is more than the vocabulary ({lm.Model.VocabSize} tokens)");
        using var lre = identity ? null : LinearRelationFile.Load(lrePath, lm);
        IRelationOperator op = lre is null ? new IdentityOperator() : lre;
        string prompt = r.GetValue(_prompt) is { } p
            ? p.Replace("\\n", "\n")   // a shell cannot easily pass a newline; few-shot prompts need them
            : LensPrompt(lre!, r.Required(_subject));
        var result = AttributeLens.Run(lm, prompt, op, top);
        LastResult = result;

        string title = lre is null ? "Logit lens" : $"Attribute lens — {lre.Info.Relation}: LRE (layer {lre.Layer}, β = {lre.Beta.ToString("0.###", CultureInfo.InvariantCulture)})";
        string subtitle = $"model {Path.GetFileName(lm.Directory)}; prompt ends “{Tail(prompt, 60)}”";
        terminal.Line(title);
        terminal.Line(subtitle);
        LensTable.Write(terminal, result, r.GetValue(_expect), columns);
        if (r.GetValue(_png) is { } png)
        {
            var (written, svg) = LensImage.Write(result, title, subtitle, r.GetValue(_expect), png, Math.Max(columns, 40));
            terminal.Line(svg ? $"SkiaSharp's native library could not be loaded here, so the heat map was written as SVG: {written}" : $"wrote {written}");
        }
        return 0;
    }

    private static string LensPrompt(LinearRelation lre, string subject)
    {
        if (!lre.Info.PromptTemplate.Contains(Relations.IclPrompt.Slot))
            throw new RelensException($"the LRE's prompt_template has no \"{{}}\" subject slot, so --subject cannot be placed; give --prompt");
        return Relations.IclPrompt.FillQuery(lre.Info.PromptTemplate, subject);
    }

    private static string Tail(string s, int n) => (s.Length <= n ? s : "…" + s[^n..]).Replace("\n", "\\n");
}
