namespace Relens.Reporting.Svg;

/// <summary>Colours shared by the report, the terminal lens and the PNG lens, so all three read the same way.</summary>
public static class Palette
{
    public const string Faithfulness = "#4c72b0";
    public const string Causality = "#dd8452";
    public const string Chance = "#c0392b";
    public const string Threshold = "#555555";
    public const string Grid = "#e3e3e3";
    public const string Axis = "#444444";

    // colour-blind-safe qualitative colours (Okabe–Ito), assigned to categories and methods in order
    private static readonly string[] Qualitative = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

    public static string Series(int index) => Qualitative[index % Qualitative.Length];

    // viridis at 5 stops: perceptually even, readable in grey, and the usual choice for probability maps
    private static readonly (double At, byte R, byte G, byte B)[] Viridis =
        [(0.0, 0x44, 0x01, 0x54), (0.25, 0x3b, 0x52, 0x8b), (0.5, 0x21, 0x91, 0x8c), (0.75, 0x5e, 0xc9, 0x62), (1.0, 0xfd, 0xe7, 0x25)];

    /// <summary>The heat-map colour of probability <paramref name="p"/> (clamped to 0..1).</summary>
    public static (byte R, byte G, byte B) ProbabilityRgb(double p)
    {
        p = double.IsNaN(p) ? 0 : Math.Clamp(p, 0, 1);
        for (int i = 1; i < Viridis.Length; i++)
        {
            var (a, b) = (Viridis[i - 1], Viridis[i]);
            if (p > b.At && i < Viridis.Length - 1) continue;
            double t = (p - a.At) / (b.At - a.At);
            return (Lerp(a.R, b.R, t), Lerp(a.G, b.G, t), Lerp(a.B, b.B, t));
        }
        return (Viridis[^1].R, Viridis[^1].G, Viridis[^1].B);
    }

    public static string ProbabilityHex(double p)
    {
        var (r, g, b) = ProbabilityRgb(p);
        return $"#{r:x2}{g:x2}{b:x2}";
    }

    /// <summary>Black on light cells, white on dark ones (relative luminance).</summary>
    public static bool IsLight((byte R, byte G, byte B) c) => 0.2126 * c.R + 0.7152 * c.G + 0.0722 * c.B > 140;

    private static byte Lerp(byte a, byte b, double t) => (byte)Math.Round(a + (b - a) * Math.Clamp(t, 0, 1));
}
