using System.Text.Json;
using Relens.Tests.Models;

namespace Relens.Tests.CommandLine;

/// <summary>`relens doctor` and `relens inspect` from the built CLI, as a user runs them.</summary>
public class FoundationCliTests
{
    [Fact]
    public void DoctorReportsLoadedLibTorchAndMatmulRate()
    {
        var (code, stdout, stderr) = CliProcess.Run("doctor");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("libtorch        2.10", stdout);
        Assert.Contains("(loaded)", stdout);
        Assert.Matches(@"Matmul f32 1024x1024x1024: \d+(\.\d+)? GFLOP/s", stdout);
        Assert.Matches(@"GLIBCXX patch   (applied|not needed)", stdout);
    }

    [Fact]
    public void InspectJsonUsesTheGoldenFieldNamesAndValues()
    {
        var golden = GoldenFile.Load("gpt2-tiny").Results[0];
        var (code, stdout, stderr) = CliProcess.Run("inspect", "--model", TestPaths.Golden("gpt2-tiny"), "--prompt", golden.Prompt, "--layers", "0,2,4", "--json");
        Assert.True(code == 0, stderr + stdout);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(golden.InputIds, root.GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(golden.TopIds, root.GetProperty("last_logits_topk_ids").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(golden.GreedyId, root.GetProperty("greedy_next_token_id").GetInt32());
        Assert.Equal(golden.LogSumExp, root.GetProperty("last_logits_logsumexp").GetDouble(), 4);
        var hidden = root.GetProperty("hidden_states_last_pos");
        Assert.Equal(["0", "2", "4"], hidden.EnumerateObject().Select(p => p.Name));
        var h4 = hidden.GetProperty("4").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.True(golden.Hidden[4].Zip(h4).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
    }

    [Fact]
    public void BadModelFolderIsAClearErrorWithoutStackTrace()
    {
        var dir = TestPaths.NewTempDir("cli-bad-model");
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type": "bert"}""");
        var (code, stdout, stderr) = CliProcess.Run("inspect", "--model", dir, "--prompt", "hi");
        Assert.Equal(2, code);
        Assert.Contains("unsupported model_type 'bert'", stderr);
        Assert.Contains("gpt2", stderr);
        Assert.Contains(Path.Combine(dir, "config.json"), stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
