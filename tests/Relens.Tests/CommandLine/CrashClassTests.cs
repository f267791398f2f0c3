using System.Text.Json.Nodes;
using Relens.Models;
using Relens.Tests.Web;

namespace Relens.Tests.CommandLine;

/// <summary>
/// Inputs that once ended in an unhandled exception (exit 134, a stack trace): each class is refused with a
/// message naming the option or file and what is allowed, exit 2, before any work is done.
/// </summary>
[Trait("Category", "Cli")]
public class CrashClassTests
{
    private static string Gpt2 => TestPaths.Golden("gpt2-tiny");

    private static void AssertUsageError((int ExitCode, string Stdout, string Stderr) r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}\n{r.Stderr}\n{r.Stdout}");
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        foreach (var m in mentions) Assert.Contains(m, r.Stderr);
    }

    /// <summary>Every size field of every golden architecture's config.json: 0 and −1 are refused naming the field.</summary>
    [Fact]
    [Trait("Category", "Golden")]
    public void ZeroOrNegativeSizesInAnyConfigAreRefusedNamingTheField()
    {
        int checkedFields = 0;
        foreach (var model in Directory.GetDirectories(Path.Combine(TestPaths.Shared, "golden")).Where(d => File.Exists(Path.Combine(d, "config.json"))))
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "config.json")))!.AsObject();
            foreach (var field in ModelConfig.PositiveFields.Where(f => json[f] is JsonValue))
                foreach (int bad in new[] { 0, -1 })
                {
                    var copy = json.DeepClone().AsObject();
                    copy[field] = bad;
                    var e = Assert.Throws<RelensException>(() => ModelConfig.FromJson(copy, Path.Combine(model, "config.json")));
                    Assert.Contains($"\"{field}\"", e.Message);
                    Assert.Contains("config.json", e.Message);
                    checkedFields++;
                }
        }
        Assert.True(checkedFields >= 40, $"only {checkedFields} size fields were checked");
    }

    [Fact]
    public void ZeroHeadsInConfigIsAnInputError()
    {
        var dir = TestPaths.NewTempDir("cli-zero-heads");
        foreach (var f in Directory.GetFiles(Gpt2)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        json["n_head"] = 0;
        File.WriteAllText(Path.Combine(dir, "config.json"), json.ToJsonString());
        AssertUsageError(CliProcess.Run("inspect", "--model", dir, "--prompt", "hi"), "\"n_head\"", Path.Combine(dir, "config.json"));
    }

    [Fact]
    public void PromptLongerThanThePositionTableSaysTheLimit()
    {
        string prompt = string.Concat(Enumerable.Repeat(" the", 1100));   // 1100 tokens, n_positions 1024
        AssertUsageError(CliProcess.Run("inspect", "--model", Gpt2, "--prompt", prompt), "1100 tokens", "1024", "n_positions");
    }

    [Theory]
    [InlineData("inspect", "--model", "", "--prompt", "hi")]
    [InlineData("inspect", "--model", "MODEL", "--prompt", "")]
    [InlineData("run", "--out", "")]
    [InlineData("eval", "--lre", "")]
    [InlineData("lens", "--lre", "", "--prompt", "hi")]
    [InlineData("estimate", "--model", "MODEL", "--relation", "", "--layer", "1")]
    public void EmptyOptionValuesAreRefusedNamingTheOption(params string[] args)
    {
        args = args.Select(a => a == "MODEL" ? Gpt2 : a).ToArray();
        int empty = Array.IndexOf(args, "") - 1;
        AssertUsageError(CliProcess.Run(args), args[empty], "empty");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("60000")]
    public void InspectTopOutsideTheVocabularyIsRefused(string top)
    {
        AssertUsageError(CliProcess.Run("inspect", "--model", Gpt2, "--prompt", "hi", "--top", top), "--top");
    }

    /// <summary>A folder even root cannot write (read-only sysfs), or a chmod 555 one for other users.</summary>
    private static string UnwritableFolder()
    {
        var dir = TestPaths.NewTempDir("cli-readonly");
        // Unix file modes only (the suite runs on Linux); the guard also tells the platform analyzer so
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the unwritable-folder tests need Unix file modes");
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try { File.WriteAllText(Path.Combine(dir, "probe"), ""); }
        catch (UnauthorizedAccessException) { return dir; }
        return "/sys";   // root writes anywhere chmod forbids
    }

    [Fact]
    public void LensPngIntoAnUnwritableFolderFailsBeforeTheLens()
    {
        var png = Path.Combine(UnwritableFolder(), "lens.png");
        var r = CliProcess.Run("lens", "--lre", "identity", "--model", Gpt2, "--prompt", "The capital of France is", "--png", png);
        AssertUsageError(r, "--png", Path.GetDirectoryName(png)!);
        Assert.DoesNotContain("Logit lens", r.Stdout);   // refused before the work, not after
    }

    [Fact]
    public void ReportIntoAFolderThatCannotTakeItsFilesFailsBeforeRendering()
    {
        var dir = TestPaths.NewTempDir("cli-report-unwritable");
        foreach (var f in Directory.GetFiles(TinyRun.Shared.Directory, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(dir, Path.GetRelativePath(TinyRun.Shared.Directory, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        File.Delete(Path.Combine(dir, "summary.json"));
        File.Delete(Path.Combine(dir, "report.html"));
        Directory.CreateDirectory(Path.Combine(dir, "report.html"));   // a folder where the report file must go
        var r = CliProcess.Run("report", "--results", dir, "--no-lens");
        AssertUsageError(r, Path.Combine(dir, "report.html"));
        Assert.False(File.Exists(Path.Combine(dir, "summary.json")), "the summary was rendered before the output was checked");
    }
}
