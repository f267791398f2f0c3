using System.Text.Json;
using Relens.Relations;

namespace Relens.Tests.Relations;

[Trait(TestCategories.Name, TestCategories.Golden)]
public class IclPromptTests
{
    private static readonly RelationSample[] Shots =
    [
        new("China", "Beijing"), new("Japan", "Tokyo"), new("France", "Paris"),
    ];

    [Fact]
    public void MatchesThePapersPromptForTheGoldenLre()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Golden("lre/gpt2-tiny_country-capital-city_layer2.json")));
        var golden = doc.RootElement;
        var relation = SharedRelations.Get(golden.GetProperty("relation").GetString()!);
        var train = golden.GetProperty("train_samples").EnumerateArray()
            .Select(p => new RelationSample(p[0].GetString()!, p[1].GetString()!)).ToList();
        Assert.All(train, s => Assert.Contains(s, relation.Samples));

        string prompt = IclPrompt.Template(relation.PromptTemplate, train, prefix: "<|endoftext|>");
        Assert.Equal(golden.GetProperty("icl_prompt_template").GetString(), prompt);
    }

    [Fact]
    public void DropsTheQuerySubjectsExampleAndEndsWithoutSpace()
    {
        string p = IclPrompt.Build("The capital city of {} is", "Japan", Shots, "<|endoftext|>");
        Assert.Equal(
            "<|endoftext|>The capital city of China is Beijing\nThe capital city of France is Paris\nThe capital city of Japan is", p);
    }

    [Fact]
    public void LlamaStylePromptHasNoPrefix()
    {
        Assert.Equal("China is Beijing\nJapan is Tokyo\nFrance is Paris\nItaly is", IclPrompt.Build("{} is", "Italy", Shots));
    }

    [Fact]
    public void PrefixIsNotDoubled()
    {
        var shots = new[] { new RelationSample("<|endoftext|>x", "y") };
        Assert.Equal("<|endoftext|>x is y\nz is", IclPrompt.Build("{} is", "z", shots, "<|endoftext|>"));
    }

    [Fact]
    public void NoExamplesLeftStillPutsTheNewlineAsThePaperDoes()
    {
        Assert.Equal("\nChina is", IclPrompt.Build("{} is", "China", [new("China", "Beijing")]));
        Assert.Equal("<|endoftext|>China is", IclPrompt.Single("{} is", "China", "<|endoftext|>"));
    }

    [Fact]
    public void TemplateKeepsEveryExampleAndFillQueryUsesTheLastSlot()
    {
        string t = IclPrompt.Template("{} is", Shots);
        Assert.Equal("China is Beijing\nJapan is Tokyo\nFrance is Paris\n{} is", t);
        // Unlike Build, filling the template keeps the query's own example (the paper evaluates this way).
        Assert.Equal("China is Beijing\nJapan is Tokyo\nFrance is Paris\nJapan is", IclPrompt.FillQuery(t, "Japan"));

        string odd = IclPrompt.Template("{} is", [new("a{}", "b")]);
        Assert.Equal("a{} is b\nc is", IclPrompt.FillQuery(odd, "c"));
    }

    [Fact]
    public void ZeroShotPutsASpaceAfterEos()
    {
        Assert.Equal("<|endoftext|> The capital of France is", IclPrompt.ZeroShot("The capital of {} is", "France", "<|endoftext|>"));
    }

    [Fact]
    public void DistractorPromptsFollowTheAttributeLensBenchmark()
    {
        Assert.Equal("<|endoftext|>The capital of France is Rome. The capital of France is Rome. The capital of France is",
            IclPrompt.PoetryDistracted("The capital of {} is", "France", "Rome", "<|endoftext|>"));
        Assert.Equal("<|endoftext|>France is Rome. Repeat exactly: France is",
            IclPrompt.RepeatDistracted("{} is", "France", "Rome", "<|endoftext|>"));
    }
}
