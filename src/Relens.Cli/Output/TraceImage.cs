using Relens.Reporting.Charts;
using Relens.Reporting.Svg;
using SkiaSharp;

namespace Relens.Cli.Output;

/// <summary>A trace heat map as a PNG (SkiaSharp), with the report's layout (<see cref="TraceHeatMap"/>); SVG beside
/// the requested path if Skia's native library cannot be loaded here (as <see cref="LensImage"/> does).</summary>
public static class TraceImage
{
    public static (string Path, bool Svg) Write(TraceMap map, string path)
    {
        path = Path.GetFullPath(path);
        try
        {
            File.WriteAllBytes(path, Png(map));
            return (path, false);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            string svgPath = Path.ChangeExtension(path, ".svg");
            File.WriteAllText(svgPath, SvgFigure.Standalone(TraceHeatMap.Svg(map)));
            return (svgPath, true);
        }
    }

    public static byte[] Png(TraceMap map)
    {
        var (w, h) = TraceHeatMap.Size(map);
        using var surface = SKSurface.Create(new SKImageInfo((int)Math.Ceiling(w) * 2, (int)Math.Ceiling(h) * 2));   // 2× for sharp text
        var canvas = surface.Canvas;
        canvas.Scale(2);
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var bold = SKTypeface.FromFamilyName("DejaVu Sans", SKFontStyle.Bold) ?? typeface;
        using var paint = new SKPaint { IsAntialias = true };
        TraceHeatMap.Draw(map, new SkiaCanvas(canvas, paint, typeface, bold));
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private sealed class SkiaCanvas(SKCanvas canvas, SKPaint paint, SKTypeface regular, SKTypeface bold) : IHeatCanvas
    {
        public void Rect(double x, double y, double w, double h, (byte R, byte G, byte B) fill, string? tooltip = null)
        {
            paint.Color = new SKColor(fill.R, fill.G, fill.B);
            paint.Style = SKPaintStyle.Fill;
            canvas.DrawRect((float)x, (float)y, (float)w, (float)h, paint);
        }

        public void Text(double x, double y, string text, string anchor, double size, (byte R, byte G, byte B) colour, bool isBold = false, double rotate = 0)
        {
            using var font = new SKFont(isBold ? bold : regular, (float)size);
            paint.Color = new SKColor(colour.R, colour.G, colour.B);
            paint.Style = SKPaintStyle.Fill;
            canvas.Save();
            canvas.Translate((float)x, (float)y);
            if (rotate != 0) canvas.RotateDegrees((float)rotate);
            var align = anchor switch { "end" => SKTextAlign.Right, "middle" => SKTextAlign.Center, _ => SKTextAlign.Left };
            canvas.DrawText(text, 0, 0, align, font, paint);
            canvas.Restore();
        }
    }
}
