using Relens.Editing;
using Relens.Reporting.Charts;
using SkiaSharp;

namespace Relens.Cli.Output;

/// <summary>The editing experiment's plot (<see cref="EditCurvesChart"/>) as a PNG (SkiaSharp); SVG beside the requested
/// path if Skia's native library cannot be loaded here (as <see cref="TraceImage"/> does).</summary>
public static class EditCurvesImage
{
    public static (string Path, bool Svg) Write(IReadOnlyList<ExperimentRow> rows, string model, string path) =>
        SkiaFigure.Write(path, () => Png(rows, model), () => EditCurvesChart.Svg(rows, model));

    public static byte[] Png(IReadOnlyList<ExperimentRow> rows, string model)
    {
        var (w, h) = EditCurvesChart.Size(rows);
        return SkiaFigure.Png(w, h, (canvas, paint, typeface, bold) => EditCurvesChart.Draw(rows, model, new SkiaCanvas(canvas, paint, typeface, bold)));
    }

    private sealed class SkiaCanvas(SKCanvas canvas, SKPaint paint, SKTypeface regular, SKTypeface bold) : IPlotCanvas
    {
        public void Line(double x1, double y1, double x2, double y2, string colour, double width = 1, bool dashed = false)
        {
            paint.Color = SKColor.Parse(colour);
            paint.Style = SKPaintStyle.Stroke;
            paint.StrokeWidth = (float)width;
            using var effect = dashed ? SKPathEffect.CreateDash([5, 3], 0) : null;
            paint.PathEffect = effect;
            canvas.DrawLine((float)x1, (float)y1, (float)x2, (float)y2, paint);
            paint.PathEffect = null;
        }

        public void Dot(double x, double y, double r, string colour)
        {
            paint.Color = SKColor.Parse(colour);
            paint.Style = SKPaintStyle.Fill;
            canvas.DrawCircle((float)x, (float)y, (float)r, paint);
        }

        public void Text(double x, double y, string text, string anchor, double size, string colour = "#222222", bool isBold = false, double rotate = 0)
        {
            SkiaFigure.Text(canvas, paint, isBold ? bold : regular, x, y, text, anchor, size, SKColor.Parse(colour), rotate);
        }
    }
}
