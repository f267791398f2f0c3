using Relens.Lens;
using Relens.Relations;
using Relens.Reporting.Charts;
using Relens.Reporting.Svg;
using SkiaSharp;

namespace Relens.Cli.Output;

/// <summary>
/// The attribute-lens heat map as a PNG (SkiaSharp), laid out like the report's SVG heat map. If Skia's native
/// library cannot be loaded on this machine, the same figure is written as SVG beside the requested path.
/// </summary>
public static class LensImage
{
    private const float CellWidth = 74, CellHeight = 22, Left = 70, Top = 76, Bottom = 95, LegendWidth = 110;

    /// <summary>Writes the image; returns the file written and whether it is the SVG fallback.</summary>
    public static (string Path, bool Svg) Write(LensResult lens, string title, string subtitle, string? expected, string path, int maxColumns = 40)
    {
        path = System.IO.Path.GetFullPath(path);
        // the command checked before the lens that the folder can be made and written (OutputFolderCheck)
        if (System.IO.Path.GetDirectoryName(path) is { } dir) Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllBytes(path, Png(lens, title, subtitle, expected, maxColumns));
            return (path, false);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            string svgPath = System.IO.Path.ChangeExtension(path, ".svg");
            File.WriteAllText(svgPath, SvgFigure.Standalone(LensHeatMap.Render(lens, title, subtitle, expected, maxColumns)));
            return (svgPath, true);
        }
    }

    public static byte[] Png(LensResult lens, string title, string subtitle, string? expected, int maxColumns)
    {
        int first = LensHeatMap.FirstColumn(lens, maxColumns);
        var rows = LensHeatMap.Rows(lens, 30);
        int columns = lens.Tokens.Length - first;
        int width = (int)Math.Max(640, Left + columns * CellWidth + LegendWidth), height = (int)(Top + rows.Count * CellHeight + Bottom);
        using var surface = SKSurface.Create(new SKImageInfo(width * 2, height * 2));   // 2× for sharp text
        var canvas = surface.Canvas;
        canvas.Scale(2);
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var bold = SKTypeface.FromFamilyName("DejaVu Sans", SKFontStyle.Bold) ?? typeface;
        using var paint = new SKPaint { IsAntialias = true };

        void Text(string s, float x, float y, float size, SKColor colour, SKTextAlign align = SKTextAlign.Left, bool isBold = false, float rotate = 0)
        {
            using var font = new SKFont(isBold ? bold : typeface, size);
            paint.Color = colour;
            paint.Style = SKPaintStyle.Fill;
            canvas.Save();
            canvas.Translate(x, y);
            if (rotate != 0) canvas.RotateDegrees(rotate);
            canvas.DrawText(s, 0, 0, align, font, paint);
            canvas.Restore();
        }

        var grey = new SKColor(0x44, 0x44, 0x44);
        Text(title, 10, 20, 14, SKColors.Black, isBold: true);
        Text(subtitle, 10, 40, 12, SKColors.Black);
        Text((first > 0 ? $"showing the last {columns} of {lens.Tokens.Length} prompt tokens" : $"{lens.Tokens.Length} prompt tokens")
             + (expected is null ? "" : "; bold boxed cells: top-1 is a prefix of the expected object"), 10, 58, 11, grey);
        for (int ri = 0; ri < rows.Count; ri++)
        {
            int r = rows[ri];
            float y = Top + ri * CellHeight;
            Text(lens.Layers[r], Left - 6, y + 15, 10, grey, SKTextAlign.Right);
            for (int c = first; c < lens.Tokens.Length; c++)
            {
                var cell = lens.Cells[r][c];
                float x = Left + (c - first) * CellWidth;
                var rgb = Palette.ProbabilityRgb(cell.Probabilities[0]);
                paint.Color = new SKColor(rgb.R, rgb.G, rgb.B);
                paint.Style = SKPaintStyle.Fill;
                canvas.DrawRect(x, y, CellWidth - 1, CellHeight - 1, paint);
                bool hit = expected is not null && PrefixMatch.IsNontrivialPrefix(cell.Tokens[0], expected);
                if (hit)
                {
                    paint.Color = new SKColor(0xff, 0x2d, 0x55);
                    paint.Style = SKPaintStyle.Stroke;
                    paint.StrokeWidth = 2;
                    canvas.DrawRect(x + 1, y + 1, CellWidth - 3, CellHeight - 3, paint);
                }
                Text(Clip(LensHeatMap.Show(cell.Tokens[0]), 10), x + CellWidth / 2, y + 15, 10, Palette.IsLight(rgb) ? SKColors.Black : SKColors.White, SKTextAlign.Center, hit);
            }
        }
        float gridBottom = Top + rows.Count * CellHeight;
        for (int c = first; c < lens.Tokens.Length; c++)
            Text(Clip(LensHeatMap.Show(lens.Tokens[c]), 12), Left + (c - first) * CellWidth + CellWidth / 2, gridBottom + 12, 10, grey, SKTextAlign.Right, rotate: -35);
        Text("prompt token (input position)", Left + columns * CellWidth / 2, height - 12, 11, grey, SKTextAlign.Center);
        Text(LensHeatMap.YLabel(rows.Count * CellHeight), 16, Top + rows.Count * CellHeight / 2, 11, grey, SKTextAlign.Center, rotate: -90);

        float barX = Left + columns * CellWidth + 30, barH = Math.Max(100, rows.Count * CellHeight);
        for (int i = 0; i < 20; i++)
        {
            var rgb = Palette.ProbabilityRgb((i + 0.5) / 20);
            paint.Color = new SKColor(rgb.R, rgb.G, rgb.B);
            paint.Style = SKPaintStyle.Fill;
            canvas.DrawRect(barX, Top + barH - (i + 1) * barH / 20, 14, barH / 20 + 0.5f, paint);
        }
        foreach (var t in new[] { 0f, 0.5f, 1f }) Text(t.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture), barX + 18, Top + barH - t * barH + 4, 9, grey);
        Text("p(top-1 token)", barX + 50, Top + barH / 2, 10, grey, SKTextAlign.Center, rotate: 90);

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
