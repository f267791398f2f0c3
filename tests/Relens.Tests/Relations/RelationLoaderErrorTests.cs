using Relens.Relations;

namespace Relens.Tests.Relations;

public class RelationLoaderErrorTests
{
    private const string Good = """
        {"name": "toy", "prompt_templates": ["{} is"], "prompt_templates_zs": ["What is {}?"],
         "properties": {"relation_type": "factual", "domain_name": "x", "range_name": "y", "symmetric": false},
         "samples": [{"subject": "a", "object": "b"}]}
        """;

    public static TheoryData<string, string, string> BadFiles => new()
    {
        // file content, text the message must contain (besides the path), label
        { "{\"name\": \"toy\", ", "not valid JSON", "truncated" },
        { "[1, 2]", "expected a JSON object", "not an object" },
        { Good.Replace("\"name\": \"toy\", ", ""), "'name'", "no name" },
        { Good.Replace("\"prompt_templates\": [\"{} is\"], ", ""), "'prompt_templates'", "no templates" },
        { Good.Replace("\"prompt_templates\": [\"{} is\"]", "\"prompt_templates\": []"), "'prompt_templates' is empty", "empty templates" },
        { Good.Replace(",\n \"samples\": [{\"subject\": \"a\", \"object\": \"b\"}]", ""), "'samples'", "no samples" },
        { Good.Replace("[{\"subject\": \"a\", \"object\": \"b\"}]", "[]"), "'samples' is empty", "empty samples" },
        { Good.Replace("\"{} is\"", "\"it is\""), "'prompt_templates[0]'", "no slot" },
        { Good.Replace("\"{} is\"", "\"{} is {}\""), "found 2", "two slots" },
        { Good.Replace("\"What is {}?\"", "\"What is it?\""), "'prompt_templates_zs[0]'", "zs without slot" },
        { Good.Replace("\"subject\": \"a\", ", ""), "'samples[0].subject'", "no subject" },
        { Good.Replace(", \"object\": \"b\"", ""), "'samples[0].object'", "no object" },
        { Good.Replace("\"object\": \"b\"", "\"object\": 3"), "'samples[0].object' must be a string", "numeric object" },
        { Good.Replace("\"name\": \"toy\"", "\"name\": \"toy\", \"nmae\": 1"), "unknown key 'nmae'", "typo key" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFileIsAnErrorNamingFileAndField(string content, string expected, string label)
    {
        string dir = TestPaths.NewTempDir("relation-bad");
        string path = Path.Combine(dir, "toy.json");
        File.WriteAllText(path, content);
        var e = Assert.Throws<RelensException>(() => RelationLoader.LoadFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(path, e.Path);
        Assert.False(string.IsNullOrEmpty(label));
    }

    [Fact]
    public void GoodToyFileLoads()
    {
        string dir = Path.Combine(TestPaths.NewTempDir("relation-good"), "mine");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "toy.json");
        File.WriteAllText(path, Good);
        var r = RelationLoader.LoadFile(path);
        Assert.Equal("toy", r.Name);
        Assert.Equal("mine", r.Category);
        Assert.Equal([new RelationSample("a", "b")], r.Samples);
        Assert.Equal(path, r.SourceFile);
    }

    [Fact]
    public void DatasetErrorNamesTheBadFile()
    {
        string root = TestPaths.NewTempDir("dataset-bad");
        Directory.CreateDirectory(Path.Combine(root, "factual"));
        File.WriteAllText(Path.Combine(root, "factual", "good.json"), Good);
        string bad = Path.Combine(root, "factual", "bad.json");
        File.WriteAllText(bad, Good.Replace("toy", "other").Replace("\"{} is\"", "\"is\""));
        var e = Assert.Throws<RelensException>(() => RelationDataset.Load(root));
        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void DuplicateRelationNamesAreAnError()
    {
        string root = TestPaths.NewTempDir("dataset-dup");
        Directory.CreateDirectory(Path.Combine(root, "a"));
        Directory.CreateDirectory(Path.Combine(root, "b"));
        File.WriteAllText(Path.Combine(root, "a", "toy.json"), Good);
        File.WriteAllText(Path.Combine(root, "b", "toy.json"), Good);
        var e = Assert.Throws<RelensException>(() => RelationDataset.Load(root));
        Assert.Contains("'toy'", e.Message);
    }

    [Fact]
    public void DatasetSkipsHparamsAndTakesCategoryFromTheSubfolder()
    {
        string root = TestPaths.NewTempDir("dataset-cat");
        Directory.CreateDirectory(Path.Combine(root, "commonsense"));
        Directory.CreateDirectory(Path.Combine(root, "hparams", "gptj"));
        File.WriteAllText(Path.Combine(root, "commonsense", "toy.json"), Good);
        File.WriteAllText(Path.Combine(root, "hparams", "gptj", "toy.json"), "{\"h_layer\": 3}");
        var data = RelationDataset.Load(root);
        Assert.Equal("commonsense", Assert.Single(data).Category);

        // Pointing at a category folder itself also works.
        Assert.Equal("commonsense", Assert.Single(RelationDataset.Load(Path.Combine(root, "commonsense"))).Category);
    }

    [Fact]
    public void EmptyOrMissingDatasetFolderIsAnError()
    {
        string empty = TestPaths.NewTempDir("dataset-empty");
        Assert.Contains(empty, Assert.Throws<RelensException>(() => RelationDataset.Load(empty)).Message);
        string missing = Path.Combine(empty, "nope");
        Assert.Contains(missing, Assert.Throws<RelensException>(() => RelationDataset.Load(missing)).Message);
    }
}
