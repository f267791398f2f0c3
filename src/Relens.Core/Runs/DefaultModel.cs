namespace Relens.Runs;

/// <summary>
/// The model `relens run` uses when no --model is given. This is the ONE place that decides it, so wiring
/// the default to the world-model cache (`relens world train`) changes nothing else.
/// </summary>
public static class DefaultModel
{
    /// <summary>The folder of the default model; <paramref name="log"/> receives what was chosen and why.</summary>
    public static string Resolve(Action<string> log) =>
        throw new RelensException("no default model yet: pass --model DIR (a Hugging Face checkpoint folder with config.json, *.safetensors and tokenizer.json)");
}
