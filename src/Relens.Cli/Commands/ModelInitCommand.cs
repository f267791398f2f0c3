using System.CommandLine;
using Relens.Cli.CommandLine;
using Relens.Models;
using Relens.Tokenization;

namespace Relens.Cli.Commands;

/// <summary>`relens model init|quantize`: model folders. `init` is here: a randomly initialised Hugging Face model folder
/// (benchmarks, training runs); `quantize` is <see cref="ModelQuantizeCommand"/>.</summary>
public sealed class ModelInitCommand : CommandBase
{
    public override string Name => "model";
    public override string Summary => "model folders: 'model init' (random weights), 'model quantize' (the weights a --quantize run measures, as float32)";

    private static readonly ModelShape Defaults = new(0, 0, 0, 0);
    private readonly Option<string?> _arch = Opt.Text("--arch", "ARCH", $"the architecture: {string.Join(", ", ModelTemplates.SupportedArchitectures)} (neox = gpt_neox, as in bench)").Suggest([.. ModelTemplates.SupportedArchitectures]);
    private readonly Option<int?> _layers = Opt.OptionalInt("--layers", "L", "blocks");
    private readonly Option<int?> _dim = Opt.OptionalInt("--dim", "D", "the hidden size");
    private readonly Option<int?> _heads = Opt.OptionalInt("--heads", "H", "attention heads");
    private readonly Option<int?> _vocab = Opt.OptionalInt("--vocab", "V", "vocabulary size (default: the size of --tokenizer-from's tokenizer)");
    private readonly Option<int> _positions = Opt.Int("--positions", "P", "the position table's size", Defaults.Positions);
    private readonly Option<string?> _out = Opt.Text("--out", "DIR", "the new model folder");
    private readonly Option<string?> _tokenizerFrom = Opt.Text("--tokenizer-from", "DIR", "copy this folder's tokenizer files into the model");
    private readonly Option<int> _seed = Opt.Int("--seed", "S", "seed of the random weights", 0);

    protected override Command Create()
    {
        var init = new CliCommand("init", "a randomly initialised Hugging Face model folder (benchmarks, training runs)")
        {
            Usage = ["relens model init --arch ARCH --layers L --dim D --heads H --out DIR [--vocab V | --tokenizer-from DIR] [--positions P] [--seed S]"],
            Details = "Without --vocab the vocabulary size comes from --tokenizer-from.",
        };
        foreach (var option in new Option[] { _arch, _layers, _dim, _heads, _out }) init.AddRequired(option);
        foreach (var option in new Option[] { _vocab, _positions, _tokenizerFrom, _seed }) init.Add(option);
        init.SetAction(Init);
        return CliCommand.Group(Name, Summary, init, new ModelQuantizeCommand().Command);
    }

    private int Init(ParseResult r)
    {
        string? tokenizerFrom = r.GetValue(_tokenizerFrom);
        // Without --vocab the tokenizer's size is the natural choice (GPT-2's 50257).
        int vocab = r.GetValue(_vocab) ?? (tokenizerFrom is not null ? TokenizerLoader.FromDirectory(Path.GetFullPath(tokenizerFrom)).VocabSize
            : throw new RelensException("give --vocab, or --tokenizer-from to take the vocabulary size from a tokenizer"));
        var shape = new ModelShape(r.Required(_layers), r.Required(_dim), r.Required(_heads), vocab, r.GetValue(_positions));
        var config = ModelTemplates.Config(r.Required(_arch), shape);
        long seed = r.GetValue(_seed);
        string outDir = r.Required(_out);
        Runs.OutputFolderCheck.Check(outDir, resume: true);
        using var model = ModelTemplates.CreateRandom(config, seed);
        var files = ModelTemplates.WriteFolder(model, config, outDir, tokenizerFrom);
        long parameters = model.parameters().Sum(p => p.numel());
        Console.WriteLine($"{config.ModelType}: {shape.Layers} layers, d={shape.Dim}, {shape.Heads} heads, vocab {shape.Vocab}, {parameters:N0} parameters, seed {seed}");
        foreach (var f in files) Console.WriteLine($"  wrote {f}");
        if (tokenizerFrom is null) Console.WriteLine("  (no --tokenizer-from: add a tokenizer.json before loading the folder)");
        return 0;
    }
}
