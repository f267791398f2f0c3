using System.Text.Json.Nodes;

namespace Relens.World;

/// <summary>Everything that decides what model a world training run makes.</summary>
public sealed record WorldBuildSettings(WorldSpec Spec, string RelationsDir, WorldModelShape Shape, TrainOptions Training, int VocabSize = 4096);

/// <summary>
/// World → corpus → BPE → GPT-2 / GPT-Neo → training → Hugging Face folder. The training state lives in
/// OUT/train, so running the same settings on the same folder again continues an interrupted run.
/// </summary>
public static class WorldBuild
{
    public const string TrainFolder = "train";

    public static (WorldCorpus Corpus, BpeVocabulary Vocab) Prepare(WorldBuildSettings s)
    {
        var corpus = WorldCorpus.Build(s.Spec, s.RelationsDir);
        // Two epochs: enough to see every paraphrase choice of short relations, and deterministic.
        var vocab = BpeTrainer.Train(corpus.Documents(0).Concat(corpus.Documents(1)), s.VocabSize, [WorldDocuments.EndOfText]);
        return (corpus, vocab);
    }

    public static TrainResult Train(WorldBuildSettings s, string outDir, Action<string> log, CancellationToken cancel = default)
    {
        var (corpus, vocab) = Prepare(s);
        var config = s.Shape.Config(vocab.VocabSize, vocab.EosTokenId!.Value);
        using var model = WorldModel.Create(config, s.Training.Seed);
        long parameters = model.parameters().Sum(p => p.numel()) - (long)s.Shape.Context * s.Shape.DModel;
        log($"world '{s.Spec.Name}': {corpus.Relations.Count} relations, {corpus.FactCount} facts; BPE {vocab.VocabSize} tokens; " +
            $"{s.Shape.Describe()} ({parameters / 1e6:F2}M parameters without positions)");
        // The tokenizer files the saved folder will hold, written now and read back by the library's loader.
        var tokenizer = vocab.Tokenizer(outDir, s.Shape.Context);
        var trainer = new WorldTrainer(model, e => corpus.Documents(e).Select(d => tokenizer.Encode(d, addSpecialTokens: false).Ids), s.Training,
            Path.Combine(outDir, TrainFolder), log, name => WorldModel.ParameterScale(config, name));
        var result = trainer.Run(cancel);
        WorldCheckpoint.Save(outDir, model, config, s.Shape.Context, vocab, About(s, corpus, result), corpus);
        log($"saved {outDir}: {result.Steps} steps, {result.Tokens:N0} tokens, {result.Seconds:F0}s, final loss {result.FinalLoss:F3}");
        return result;
    }

    private static JsonObject About(WorldBuildSettings s, WorldCorpus corpus, TrainResult r) => new()
    {
        ["world"] = s.Spec.Name,
        ["seed"] = s.Spec.Seed,
        ["model"] = s.Shape.Describe(),
        ["relations"] = new JsonArray(corpus.Relations.Select(x => (JsonNode)new JsonObject { ["id"] = x.Id, ["facts"] = x.Facts.Count }).ToArray()),
        ["mix"] = System.Text.Json.JsonSerializer.SerializeToNode(s.Spec.Mix),
        ["people"] = s.Spec.People is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(s.Spec.People),
        ["training"] = new JsonObject
        {
            ["steps"] = r.Steps, ["tokens"] = r.Tokens, ["seconds"] = Math.Round(r.Seconds, 1), ["final_loss"] = double.IsFinite(r.FinalLoss) ? Math.Round(r.FinalLoss, 4) : null,
            ["batch"] = s.Training.BatchSize, ["block"] = s.Training.BlockSize, ["lr"] = s.Training.LearningRate, ["seed"] = s.Training.Seed,
        },
    };
}
