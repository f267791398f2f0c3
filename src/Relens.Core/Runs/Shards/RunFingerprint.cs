using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Relens.Relations;
using Relens.Sweeps;

namespace Relens.Runs.Shards;

/// <summary>
/// What makes two shards parts of one run: the model's identity hash, the relations (names, templates and
/// the samples actually measured) and the protocol settings that change records (shots, trials, seed, β,
/// the β and rank grids, layers, the known-fact threshold, baselines). A short SHA-256 of them; shards whose
/// fingerprints differ are never merged.
/// </summary>
public static class RunFingerprint
{
    public static string Compute(string modelIdentity, IReadOnlyList<Relation> relations, SweepSettings settings, int hiddenSize, IReadOnlyList<string> layers)
    {
        var text = new StringBuilder();
        void Line(string key, string value) => text.Append(key).Append('=').Append(value).Append('\n');
        static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        Line("model", modelIdentity);
        Line("shots", settings.Shots.ToString(CultureInfo.InvariantCulture));
        Line("trials", settings.Trials.ToString(CultureInfo.InvariantCulture));
        Line("seed", settings.Seed.ToString(CultureInfo.InvariantCulture));
        Line("beta", D(settings.Beta));
        Line("betas", string.Join(",", settings.Betas.Select(D)));
        Line("ranks", string.Join(",", settings.RanksFor(hiddenSize)));
        Line("layers", string.Join(",", layers));
        Line("min_known", settings.MinKnownFor().ToString(CultureInfo.InvariantCulture));
        Line("baselines", settings.Baselines ? "1" : "0");
        foreach (var r in relations)
        {
            // lengths before strings: no two different relation lists can spell the same text
            Line("relation", $"{r.Name.Length}:{r.Name}");
            foreach (var t in r.PromptTemplates) Line("template", $"{t.Length}:{t}");
            foreach (var s in r.Samples) Line("sample", $"{s.Subject.Length}:{s.Subject}|{s.Object.Length}:{s.Object}");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
