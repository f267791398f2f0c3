namespace Relens.Quantization;

/// <summary>The weight-only quantisation schemes `--quantize` offers, each exactly as published.</summary>
public enum QuantScheme
{
    /// <summary>llama.cpp Q8_0: groups of 32, d = absmax/127 as float16, q = round(x/d) in int8.</summary>
    Q8_0,
    /// <summary>llama.cpp Q4_0: groups of 32, d = (signed largest magnitude)/−8 as float16, q = min(15, trunc(x/d + 8.5)).</summary>
    Q4_0,
    /// <summary>bitsandbytes NF4 (QLoRA): blocks of 64, float32 absmax, nearest of the 16 NormalFloat levels.</summary>
    Nf4,
}

public static class QuantSchemes
{
    public static readonly IReadOnlyList<QuantScheme> All = [QuantScheme.Q8_0, QuantScheme.Q4_0, QuantScheme.Nf4];

    /// <summary>The CLI and file name: q8_0, q4_0, nf4.</summary>
    public static string Name(this QuantScheme s) => s switch
    {
        QuantScheme.Q8_0 => "q8_0",
        QuantScheme.Q4_0 => "q4_0",
        _ => "nf4",
    };

    /// <summary>Elements that share one scale, consecutive along the input dimension.</summary>
    public static int GroupSize(this QuantScheme s) => s == QuantScheme.Nf4 ? 64 : 32;

    /// <summary>Bytes one group takes packed: its codes plus its scale (q8_0 32 + 2, q4_0 16 + 2, nf4 32 + 4).</summary>
    public static int GroupBytes(this QuantScheme s) => s switch
    {
        QuantScheme.Q8_0 => 32 + 2,
        QuantScheme.Q4_0 => 16 + 2,
        _ => 32 + 4,
    };

    /// <param name="option">How the value was given, for the message (e.g. "--quantize").</param>
    public static QuantScheme Parse(string text, string option = "--quantize")
    {
        foreach (var s in All)
            if (s.Name() == text.Trim().ToLowerInvariant()) return s;
        throw new RelensException($"{option}: unknown quantisation scheme '{text}'; choose one of {string.Join(", ", All.Select(x => x.Name()))}");
    }
}
