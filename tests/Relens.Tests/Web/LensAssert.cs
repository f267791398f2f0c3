using System.Text.Json;
using Relens.Lens;

namespace Relens.Tests.Web;

public static class LensAssert
{
    /// <summary>The API's lens JSON has the same layers, tokens and per-cell top tokens (and probabilities to 1e-5) as <paramref name="expected"/>.</summary>
    public static void SameAs(LensResult expected, JsonElement actual)
    {
        Assert.Equal(expected.Layers, actual.GetProperty("layers").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(expected.Tokens, actual.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()));
        var rows = actual.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(expected.Cells.Length, rows.Count);
        for (int r = 0; r < rows.Count; r++)
        {
            var cells = rows[r].EnumerateArray().ToList();
            Assert.Equal(expected.Cells[r].Length, cells.Count);
            for (int c = 0; c < cells.Count; c++)
            {
                var e = expected.Cells[r][c];
                Assert.Equal(e.TokenIds, cells[c].GetProperty("token_ids").EnumerateArray().Select(x => x.GetInt32()));
                Assert.Equal(e.Tokens, cells[c].GetProperty("tokens").EnumerateArray().Select(x => x.GetString()));
                var p = cells[c].GetProperty("probabilities").EnumerateArray().Select(x => x.GetSingle()).ToArray();
                for (int k = 0; k < p.Length; k++) Assert.Equal(e.Probabilities[k], p[k], 1e-5f);
            }
        }
    }
}
