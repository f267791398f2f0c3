using System.Text.Json.Nodes;
using Relens.World;

namespace Relens.Tests.CommandLine;

public class WorldTrainCliTests
{
    [Fact]
    public void World_train_writes_a_loadable_checkpoint_and_accuracy_json_that_agree_with_the_table()
    {
        string dir = TestPaths.NewTempDir("world-cli");
        var (code, stdout, stderr) = CliProcess.Run("world", "train", "--world", "tiny", "--relations", TestPaths.Relations,
            "--steps", "20", "--layers", "2", "--local-layers", "1", "--d-model", "32", "--heads", "2", "--context", "192", "--vocab", "400",
            "--batch", "4", "--lre-trials", "1", "--out", dir);
        Assert.True(code == 0, stderr + stdout);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, WorldAccuracyFile.FileName)))!.AsObject();
        var tinyNames = WorldCorpus.Build(WorldSpec.Tiny, TestPaths.Relations).Relations.Select(r => r.Name).Order().ToList();
        Assert.Equal(tinyNames, json["relations"]!.AsObject().Select(kv => kv.Key).Order());
        foreach (var (_, v) in json["relations"]!.AsObject()) Assert.InRange(v!.GetValue<double>(), 0, 1);
        Assert.InRange(json["overall"]!.GetValue<double>(), 0, 1);
        Assert.True(json["train_seconds"]!.GetValue<double>() > 0);
        // every relation with an LRE has its best layer's value in the by-layer table and a majority beside it
        foreach (var (name, best) in json["lre_best"]!.AsObject())
        {
            double value = best!["faithfulness"]!.GetValue<double>();
            Assert.Equal(value, json["lre_faithfulness"]![name]!.GetValue<double>());
            Assert.Equal(value, json["lre_by_layer"]![name]![best["layer"]!.GetValue<string>()]!.GetValue<double>());
            Assert.InRange(best["majority"]!.GetValue<double>(), 0, 1);
            Assert.Equal(json["lre_by_layer"]![name]!["emb"]!.GetValue<double>(), best["emb_faithfulness"]!.GetValue<double>());
            var later = best["best_from_layer_1"]!;                                     // the tiny model has blocks 0 and 1
            Assert.Equal("1", later["layer"]!.GetValue<string>());
            Assert.Equal(json["lre_by_layer"]![name]!["1"]!.GetValue<double>(), later["faithfulness"]!.GetValue<double>());
        }
        Assert.Contains("LRE best ≥ 1", stdout);
        Assert.Equal(3, json["probe"]!.AsObject()[tinyNames[0]]!["by_layer"]!.AsObject().Count); // emb, 0, 1
        Assert.Contains("overall", stdout);
        Assert.Contains(json["overall"]!.GetValue<double>().ToString("F3", System.Globalization.CultureInfo.InvariantCulture), stdout);

        // the exported folder is an ordinary checkpoint for the rest of Relens
        var inspect = CliProcess.Run("inspect", "--model", dir, "--prompt", "The capital city of France is");
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
    }

    [Fact]
    public void Without_out_a_changed_recipe_is_refused_so_the_cache_keeps_the_presets_model()
    {
        var (code, _, stderr) = CliProcess.Run("world", "train", "--world", "tiny", "--relations", TestPaths.Relations, "--layers", "2");
        Assert.Equal(2, code);
        Assert.Contains("--layers changes the recipe", stderr);
        Assert.Contains("--out DIR", stderr);
    }

    [Fact]
    public void World_without_a_subcommand_explains_its_usage()
    {
        var (code, _, stderr) = CliProcess.Run("world");
        Assert.Equal(2, code);
        Assert.Contains("relens world train", stderr);
    }
}
