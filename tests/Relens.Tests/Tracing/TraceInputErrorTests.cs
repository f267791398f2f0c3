using Relens.Cli.Commands;
using Relens.Models;
using Relens.Tracing;

namespace Relens.Tests.Tracing;

[Trait(TestCategories.Name, TestCategories.Golden)]
public class TraceInputErrorTests
{
    private static readonly string Gpt2 = TestPaths.Golden("gpt2-tiny");

    private static RelensException Fails(params string[] args)
    {
        var output = new StringWriter();
        var command = new TraceCommand(null, output);
        return Assert.Throws<RelensException>(() => command.Run([.. args, "--model", Gpt2, "--out", TestPaths.NewTempDir("trace-err"), "--samples", "2"]));
    }

    [Fact]
    public void SubjectAbsentFromThePrompt()
    {
        var e = Fails("--prompt", "The Eiffel Tower is in", "--subject", "Louvre", "--force");
        Assert.Contains("'Louvre' does not occur in the prompt", e.Message);
    }

    [Fact]
    public void UnknownFactNeedsForce()
    {
        var e = Fails("--prompt", "The Eiffel Tower is located in the city of", "--subject", "Eiffel Tower", "--object", "Paris");
        Assert.Contains("does not know this fact", e.Message);
        Assert.Contains("--force", e.Message);
        e = Fails("--prompt", "The Eiffel Tower is located in the city of", "--subject", "Eiffel Tower");
        Assert.Contains("without --object", e.Message);
    }

    [Fact]
    public void WindowLargerThanTheModel()
    {
        var e = Fails("--prompt", "The Eiffel Tower is in", "--subject", "Eiffel Tower", "--force", "--window", "5");
        Assert.Contains("--window 5 is larger than the model (4 layers)", e.Message);
        e = Fails("--prompt", "The Eiffel Tower is in", "--subject", "Eiffel Tower", "--force", "--knockout-window", "9");
        Assert.Contains("--knockout-window 9 is larger than the model (4 layers)", e.Message);
    }

    [Fact]
    public void KnockoutWindowBelowOne()
    {
        var e = Fails("--prompt", "The Eiffel Tower is in", "--subject", "Eiffel Tower", "--force", "--knockout-window", "0");
        Assert.Contains("--knockout-window (k) must be at least 1", e.Message);
        e = Fails("--prompt", "x y", "--subject", "x", "--force", "--kind", "states");
        Assert.Contains("'states' is not a trace kind", e.Message);
    }

    [Fact]
    public void HelpDoesNoWork()
    {
        var output = new StringWriter();
        Assert.Equal(0, new TraceCommand(_ => throw new InvalidOperationException("no model should load"), output).Run(["--help"]));
        Assert.Contains("relens trace", output.ToString());
    }

    [Fact]
    public void ForcedPromptTraceWritesJson()
    {
        var dir = TestPaths.NewTempDir("trace-prompt");
        var output = new StringWriter();
        int code = new TraceCommand(null, output).Run(["--model", Gpt2, "--prompt", "The Eiffel Tower is in", "--subject", "Eiffel Tower", "--force",
            "--samples", "2", "--kind", "state,knockout", "--out", dir]);
        Assert.Equal(0, code);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "prompt.trace.json")))!;
        Assert.Equal(4, json["settings"]!["layers"]!.GetValue<int>());
        Assert.Equal(lmTokens(), json["tokens"]!.AsArray().Count);
        Assert.Equal(4, json["knockout"]!["window"]!.AsArray().Count);
        Assert.Null(json["mlp"]);
        foreach (var png in new[] { "prompt.state.png", "prompt.knockout.png" })
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(dir, png)).Take(4).ToArray());

        static int lmTokens() { using var lm = LanguageModel.Load(Gpt2); return TracePrompt.Create(lm, "The Eiffel Tower is in", "Eiffel Tower").Count; }
    }
}
