using Relens.Models;
using Relens.Quantization;

namespace Relens.Cli;

/// <summary>
/// The options every command that loads a model accepts (--quantize S, --quantize-embeddings) and the one way such a
/// command loads it: add <see cref="ValueOptions"/> and <see cref="FlagOptions"/> to its CliArgs.Parse call and load
/// through <see cref="Load"/>.
/// </summary>
public static class ModelLoadArgs
{
    public static readonly string[] ValueOptions = ["quantize"];
    public static readonly string[] FlagOptions = ["quantize-embeddings"];

    /// <summary>The --quantize choice, or null; an unknown scheme or a lone --quantize-embeddings is an error.</summary>
    public static QuantizeOptions? Quantization(CliArgs a)
    {
        if (a.Get("quantize") is not { } text)
            return a.Flag("quantize-embeddings") ? throw new RelensException("--quantize-embeddings needs --quantize S (the scheme)") : null;
        return new QuantizeOptions(QuantSchemes.Parse(text), a.Flag("quantize-embeddings"));
    }

    /// <summary>Loads <paramref name="directory"/> with the command's quantisation. A loader a test injected is used
    /// as given and then quantised in memory.</summary>
    public static LanguageModel Load(Func<string, LanguageModel>? injected, string directory, CliArgs a) =>
        Load(injected, directory, Quantization(a));

    public static LanguageModel Load(Func<string, LanguageModel>? injected, string directory, QuantizeOptions? quantization)
    {
        if (injected is null) return LanguageModel.Load(directory, quantization: quantization);
        var lm = injected(directory);
        if (quantization is not null) lm.Quantize(quantization);
        return lm;
    }
}
