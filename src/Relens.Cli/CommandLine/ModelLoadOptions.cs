using System.CommandLine;
using Relens.Models;
using Relens.Quantization;

namespace Relens.Cli.CommandLine;

/// <summary>
/// The options of every command that loads a model (--quantize S, --quantize-embeddings) and the one way such a command
/// loads it: create one per command, <see cref="AddTo"/> its command, and load through <see cref="Load"/>.
/// </summary>
public sealed class ModelLoadOptions
{
    public Option<string?> Quantize { get; } = Opt.Text("--quantize", "S",
        "quantise the blocks' linear weights at load: q8_0 | q4_0 (llama.cpp) | nf4 (bitsandbytes), kept packed in memory (docs/QUANTIZATION.md)")
        .Suggest([.. QuantSchemes.All.Select(s => s.Name())]);
    public Option<bool> Embeddings { get; } = Opt.Flag("--quantize-embeddings", "quantise the token embeddings too (with --quantize)");

    public ModelLoadOptions AddTo(Command command)
    {
        command.Add(Quantize);
        command.Add(Embeddings);
        return this;
    }

    /// <summary>The --quantize choice, or null; an unknown scheme or a lone --quantize-embeddings is an error.</summary>
    public QuantizeOptions? Quantization(ParseResult r)
    {
        if (r.GetValue(Quantize) is not { } text)
            return r.GetValue(Embeddings) ? throw new RelensException("--quantize-embeddings needs --quantize S (the scheme)") : null;
        return new QuantizeOptions(QuantSchemes.Parse(text), r.GetValue(Embeddings));
    }

    /// <summary>Loads <paramref name="directory"/> with the command's quantisation.</summary>
    public LanguageModel Load(Func<string, LanguageModel>? injected, string directory, ParseResult r) => Load(injected, directory, Quantization(r));

    /// <summary>A loader a test injected is used as given and then quantised in memory.</summary>
    public static LanguageModel Load(Func<string, LanguageModel>? injected, string directory, QuantizeOptions? quantization)
    {
        if (injected is null) return LanguageModel.Load(directory, quantization: quantization);
        var lm = injected(directory);
        if (quantization is not null) lm.Quantize(quantization);
        return lm;
    }
}
