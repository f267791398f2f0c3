using System.Globalization;
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
public sealed class LensCommand : ICommand
{
    private readonly Func<string, LanguageModel>? _loadModel;
    private readonly TextWriter? _output;

    public LensCommand() : this(null, null) { }

    public LensCommand(Func<string, LanguageModel>? loadModel, TextWriter? output)
    {
        _loadModel = loadModel;
        _output = output;
    }

    public string Name => "lens";
    public string Summary => "attribute lens (or logit lens with --lre identity) of a prompt, in the terminal and as PNG";

    public LensResult? LastResult { get; private set; }

    public int Run(IReadOnlyList<string> args)
    {
        if (Usage.Requested(args)) return Usage.Print(Usage.Lens, _output);
        var a = CliArgs.Parse(args, ["lre", "prompt", "subject", "model", "top", "png", "expect", "columns", .. ModelLoadArgs.ValueOptions], ["no-color", .. ModelLoadArgs.FlagOptions]);
        var quantization = ModelLoadArgs.Quantization(a);
        string lrePath = a.Require("lre");
        if (a.Has("prompt") == a.Has("subject")) throw new RelensException("give either --prompt TEXT or --subject S (the LRE's own n-shot prompt for S)");
        int top = a.GetInt("top", 5);
        int columns = a.GetInt("columns", 24);
        if (top < 1) throw new RelensException($"--top must be at least 1, got {top}");
        if (columns < 1) throw new RelensException($"--columns must be at least 1, got {columns}");
        bool identity = lrePath.Equals("identity", StringComparison.OrdinalIgnoreCase);
        if (identity && a.Has("subject")) throw new RelensException("--subject needs an LRE (its prompt template); with --lre identity give --prompt");
        string modelDir = identity
            ? a.Get("model") ?? throw new RelensException("--lre identity (the logit lens) needs --model DIR")
            : SavedLre.ModelDirectory(lrePath, a.Get("model"));
        var terminal = Terminal.Create(a.Flag("no-color"), _output);
        if (a.Get("png") is { } pngPath) OutputFolderCheck.CheckFiles("--png", pngPath);

        using var lm = ModelLoadArgs.Load(_loadModel, modelDir, quantization);
        if (top > lm.Model.VocabSize) throw new RelensException($"--top {top} is more than the vocabulary ({lm.Model.VocabSize} tokens)");
        using var lre = identity ? null : LinearRelationFile.Load(lrePath, lm);
        IRelationOperator op = lre is null ? new IdentityOperator() : lre;
        string prompt = a.Get("prompt") is { } p
            ? p.Replace("\\n", "\n")   // a shell cannot easily pass a newline; few-shot prompts need them
            : LensPrompt(lre!, a.Require("subject"));
        var result = AttributeLens.Run(lm, prompt, op, top);
        LastResult = result;

        string title = lre is null ? "Logit lens" : $"Attribute lens — {lre.Info.Relation}: LRE (layer {lre.Layer}, β = {lre.Beta.ToString("0.###", CultureInfo.InvariantCulture)})";
        string subtitle = $"model {Path.GetFileName(lm.Directory)}; prompt ends “{Tail(prompt, 60)}”";
        terminal.Line(title);
        terminal.Line(subtitle);
        LensTable.Write(terminal, result, a.Get("expect"), columns);
        if (a.Get("png") is { } png)
        {
            var (written, svg) = LensImage.Write(result, title, subtitle, a.Get("expect"), png, Math.Max(columns, 40));
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
