using Relens.Reporting.Svg;
using SkiaSharp;

namespace Relens.Cli.Output;

/// <summary>
/// What every PNG figure shares: a white 2× surface (sharp text) with the report's fonts, drawn by the caller; and the
/// SVG written beside the requested path instead when Skia's native library cannot be loaded here.
/// </summary>
public static class SkiaFigure
{
    /// <summary>Writes <paramref name="png"/>() to <paramref name="path"/>, or <paramref name="svg"/>() as .svg when Skia is missing.</summary>
    public static (string Path, bool Svg) Write(string path, Func<byte[]> png, Func<string> svg)
    {
        path = Path.GetFullPath(path);
        try
        {
            File.WriteAllBytes(path, png());
            return (path, false);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            string svgPath = Path.ChangeExtension(path, ".svg");
            File.WriteAllText(svgPath, SvgFigure.Standalone(svg()));
            return (svgPath, true);
        }
    }

    /// <summary>A <paramref name="width"/> × <paramref name="height"/> figure (in points) as PNG bytes.</summary>
    public static byte[] Png(double width, double height, Action<SKCanvas, SKPaint, SKTypeface, SKTypeface> draw)
    {
        using var surface = SKSurface.Create(new SKImageInfo((int)Math.Ceiling(width) * 2, (int)Math.Ceiling(height) * 2));
        var canvas = surface.Canvas;
        canvas.Scale(2);
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var bold = SKTypeface.FromFamilyName("DejaVu Sans", SKFontStyle.Bold) ?? typeface;
        using var paint = new SKPaint { IsAntialias = true };
        draw(canvas, paint, typeface, bold);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Text at (x, y) as the SVG figures place it: <paramref name="anchor"/> start|middle|end, rotated about its anchor.</summary>
    public static void Text(SKCanvas canvas, SKPaint paint, SKTypeface face, double x, double y, string text, string anchor, double size,
        SKColor colour, double rotate = 0)
    {
        using var font = new SKFont(face, (float)size);
        paint.Color = colour;
        paint.Style = SKPaintStyle.Fill;
        canvas.Save();
        canvas.Translate((float)x, (float)y);
        if (rotate != 0) canvas.RotateDegrees((float)rotate);
        var align = anchor switch { "end" => SKTextAlign.Right, "middle" => SKTextAlign.Center, _ => SKTextAlign.Left };
        canvas.DrawText(text, 0, 0, align, font, paint);
        canvas.Restore();
    }
}
