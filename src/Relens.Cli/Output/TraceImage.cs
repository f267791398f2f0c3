using Relens.Reporting.Charts;
using SkiaSharp;

namespace Relens.Cli.Output;

/// <summary>A trace heat map as a PNG (SkiaSharp), with the report's layout (<see cref="TraceHeatMap"/>); SVG beside
/// the requested path if Skia's native library cannot be loaded here (as <see cref="LensImage"/> does).</summary>
public static class TraceImage
{
    public static (string Path, bool Svg) Write(TraceMap map, string path) =>
        SkiaFigure.Write(path, () => Png(map), () => TraceHeatMap.Svg(map));

    public static byte[] Png(TraceMap map)
    {
        var (w, h) = TraceHeatMap.Size(map);
        return SkiaFigure.Png(w, h, (canvas, paint, typeface, bold) => TraceHeatMap.Draw(map, new SkiaCanvas(canvas, paint, typeface, bold)));
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
            SkiaFigure.Text(canvas, paint, isBold ? bold : regular, x, y, text, anchor, size, new SKColor(colour.R, colour.G, colour.B), rotate);
        }
    }
}
