using Relens.World;

namespace Relens.Editing;

/// <summary>
/// Text the editor runs the model on: <see cref="Statistics"/> for the key covariance C = E[k kᵀ], and held-out
/// <see cref="Fluency"/> text for perplexity. A world model's (its facts.json names the world) is its own corpus:
/// epoch 0's documents (text it trained on) for C, and the documents of an epoch it never reached (the same
/// facts in new documents and order) for perplexity. A user text file is split: its first 80% of lines for C,
/// the rest for perplexity.
/// </summary>
public sealed record EditText(string Description, IReadOnlyList<string> Statistics, IReadOnlyList<string> Fluency)
{
    /// <summary>The user's text file (full path), so `relens edit --eval` can measure fluency on the same text; null for a world corpus.</summary>
    public string? SourceFile { get; init; }

    /// <summary>An epoch number far beyond any training run (1,400 steps of the default world are about 60 epochs).</summary>
    public const int HeldOutEpoch = 100_000;

    public static EditText? For(string modelDir, string? textFile, string relationsDir)
    {
        if (textFile is not null) return FromFile(textFile);
        string facts = Path.Combine(modelDir, WorldFactsFile.FileName);
        if (!File.Exists(facts)) return null;
        string? world;
        try { world = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(facts))?["world"]?.GetValue<string>(); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException) { throw RelensException.InFile(facts, "not a world facts file: " + e.Message); }
        if (world is null || !WorldSpec.PresetNames.Contains(world)) return null;
        var corpus = WorldCorpus.Build(WorldSpec.Preset(world, relationsDir), relationsDir);
        return new EditText($"the '{world}' world corpus (C: epoch 0; perplexity: epoch {HeldOutEpoch}, never trained on)",
            corpus.Documents(0), corpus.Documents(HeldOutEpoch));
    }

    public static EditText FromFile(string path)
    {
        if (!File.Exists(path)) throw RelensException.InFile(path, "text file does not exist (--text)");
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count < 5) throw RelensException.InFile(path, $"--text needs at least 5 non-empty lines (80% for the key statistics, 20% for perplexity), got {lines.Count}");
        int cut = (int)Math.Round(lines.Count * 0.8);
        return new EditText($"{Path.GetFileName(path)} (C: first {cut} lines; perplexity: last {lines.Count - cut})", lines[..cut], lines[cut..]) { SourceFile = Path.GetFullPath(path) };
    }
}
