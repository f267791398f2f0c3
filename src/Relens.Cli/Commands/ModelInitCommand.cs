using Relens.Models;
using Relens.Tokenization;

namespace Relens.Cli.Commands;

/// <summary>`relens model init`: a randomly initialised Hugging Face model folder (benchmarks, training runs).</summary>
public sealed class ModelInitCommand : ICommand
{
    public string Name => "model";
    public string Summary => "model folders: 'model init --arch gpt2|gptj|… --layers L --dim D --heads H --out DIR' (random weights), 'model quantize --model DIR --scheme S --out DIR2'";

    public int Run(IReadOnlyList<string> args)
    {
        if (args.Count > 0 && args[0] == "quantize") return new ModelQuantizeCommand().Run(args.Skip(1).ToList());
        if (args.Count == 0 || args[0] != "init")
            throw new RelensException($"usage: relens model init --arch {string.Join("|", ModelTemplates.SupportedArchitectures)} --layers L --dim D --heads H " +
                "[--vocab V] [--positions P] --out DIR [--tokenizer-from DIR] [--seed S]\n   or: relens model quantize --model DIR --scheme q8_0|q4_0|nf4 --out DIR2 [--quantize-embeddings]");
        var a = CliArgs.Parse(args.Skip(1).ToList(), ["arch", "layers", "dim", "heads", "vocab", "positions", "out", "tokenizer-from", "seed"], []);
        string? tokenizerFrom = a.Get("tokenizer-from");
        // Without --vocab the tokenizer's size is the natural choice (GPT-2's 50257).
        int vocab = a.Has("vocab") ? a.GetInt("vocab", 0)
            : tokenizerFrom is not null ? TokenizerLoader.FromDirectory(Path.GetFullPath(tokenizerFrom)).VocabSize
            : throw new RelensException("give --vocab, or --tokenizer-from to take the vocabulary size from a tokenizer");
        var shape = new ModelShape(RequireInt(a, "layers"), RequireInt(a, "dim"), RequireInt(a, "heads"), vocab, a.GetInt("positions", 1024));
        var config = ModelTemplates.Config(a.Require("arch"), shape);
        long seed = a.GetInt("seed", 0);
        Runs.OutputFolderCheck.Check(a.Require("out"), resume: true);
        using var model = ModelTemplates.CreateRandom(config, seed);
        var files = ModelTemplates.WriteFolder(model, config, a.Require("out"), tokenizerFrom);
        long parameters = model.parameters().Sum(p => p.numel());
        Console.WriteLine($"{config.ModelType}: {shape.Layers} layers, d={shape.Dim}, {shape.Heads} heads, vocab {shape.Vocab}, {parameters:N0} parameters, seed {seed}");
        foreach (var f in files) Console.WriteLine($"  wrote {f}");
        if (tokenizerFrom is null) Console.WriteLine("  (no --tokenizer-from: add a tokenizer.json before loading the folder)");
        return 0;
    }

    private static int RequireInt(CliArgs a, string name) => a.Has(name) ? a.GetInt(name, 0) : throw new RelensException($"missing required option --{name}");
}
