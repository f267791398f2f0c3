using Relens.Tokenization;

namespace Relens.Tests.Tokenization;

/// <summary>Bad input gives a <see cref="RelensException"/> that names the file and the problem.</summary>
public class TokenizerErrorTests
{
    private static RelensException LoadFails(string json, string fileName = "tokenizer.json")
    {
        var dir = TestPaths.NewTempDir("tok-error");
        var path = Path.Combine(dir, fileName);
        File.WriteAllText(path, json);
        var e = Assert.Throws<RelensException>(() => TokenizerLoader.FromFile(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.Path);
        return e;
    }

    [Fact]
    public void MissingFolderOrFile()
    {
        var dir = TestPaths.NewTempDir("tok-missing");
        var e = Assert.Throws<RelensException>(() => TokenizerLoader.FromDirectory(dir));
        Assert.Contains(Path.Combine(dir, "tokenizer.json"), e.Message);

        var gone = Path.Combine(dir, "no-such-folder");
        Assert.Contains(gone, Assert.Throws<RelensException>(() => TokenizerLoader.FromDirectory(gone)).Message);
        var file = Path.Combine(dir, "nothing.json");
        Assert.Contains(file, Assert.Throws<RelensException>(() => TokenizerLoader.FromFile(file)).Message);
    }

    [Fact]
    public void MalformedJson() =>
        Assert.Contains("not valid JSON", LoadFails("{ \"model\": { \"vocab\": ").Message);

    [Theory]
    [InlineData("[]", "top level")]
    [InlineData("{ \"added_tokens\": [] }", "model is missing")]
    [InlineData("{ \"model\": { \"type\": \"BPE\", \"merges\": [] } }", "model.vocab is missing")]
    [InlineData("{ \"model\": { \"type\": \"BPE\", \"vocab\": [\"a\"] } }", "model.vocab should be an object")]
    [InlineData("{ \"model\": { \"type\": \"BPE\", \"vocab\": { \"a\": \"one\" } } }", "model.vocab[\"a\"] should be an integer")]
    [InlineData("{ \"model\": { \"type\": \"Unigram\", \"vocab\": [] } }", "only BPE")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0, \"b\": 1 }, \"merges\": [\"a b\"] } }", "\"ab\" is not in model.vocab")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 }, \"merges\": [\"a c\"] } }", "model.merges[0]")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 }, \"merges\": [\"abc\"] } }", "two tokens separated by one space")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 }, \"merges\": [[\"a\"]] } }", "model.merges[0]")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 }, \"unk_token\": \"<unk>\" } }", "unk_token")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 } }, \"pre_tokenizer\": { \"type\": \"Whitespace\" } }", "pre_tokenizer.type \"Whitespace\" is not supported")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 } }, \"normalizer\": { \"type\": \"Sequence\", \"normalizers\": [ { \"type\": \"Strip\" } ] } }", "normalizer.normalizers[0].type")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 } }, \"added_tokens\": [ { \"content\": \"<x>\" } ] }", "added_tokens[0].id is missing")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 } }, \"post_processor\": { \"type\": \"TemplateProcessing\", \"single\": [ { \"SpecialToken\": { \"id\": \"<s>\" } } ] } }", "does not define")]
    [InlineData("{ \"model\": { \"vocab\": { \"a\": 0 } }, \"pre_tokenizer\": { \"type\": \"Split\", \"pattern\": { \"Regex\": \"(\" }, \"behavior\": \"Isolated\" } }", "not a usable regular expression")]
    public void MissingOrWrongParts(string json, string problem) =>
        Assert.Contains(problem, LoadFails(json).Message);

    [Fact]
    public void BadSpecialTokenInTheFolderConfigNamesThatConfig()
    {
        var dir = TestPaths.NewTempDir("tok-config");
        var bytes = Enumerable.Range(0, 256).ToDictionary(b => ByteLevelAlphabet.CharOf((byte)b).ToString(), b => b);
        ByteLevelBpeTokenizerJson.Write(Path.Combine(dir, "tokenizer.json"), bytes, [], ["<|endoftext|>"]);
        var config = Path.Combine(dir, "tokenizer_config.json");

        File.WriteAllText(config, "{ \"eos_token\": \"<|not-a-token|>\" }");
        var e = Assert.Throws<RelensException>(() => TokenizerLoader.FromDirectory(dir));
        Assert.Contains(config, e.Message);
        Assert.Contains("<|not-a-token|>", e.Message);

        File.WriteAllText(config, "{ \"eos_token\": 7 }");
        Assert.Contains(config, Assert.Throws<RelensException>(() => TokenizerLoader.FromDirectory(dir)).Message);

        File.WriteAllText(config, "{ \"eos_token\": ");
        Assert.Contains(config, Assert.Throws<RelensException>(() => TokenizerLoader.FromDirectory(dir)).Message);

        File.WriteAllText(config, "{ \"bos_token\": null, \"eos_token\": { \"content\": \"<|endoftext|>\" } }");
        var ok = TokenizerLoader.FromDirectory(dir);
        Assert.Null(ok.BosToken); // an explicit null means "no BOS"
        Assert.Equal("<|endoftext|>", ok.EosToken);
    }
}
