using Microsoft.ML.Tokenizers;

namespace Relens.Tests.Tokenization;

/// <summary>
/// Our reader of gpt2-tiny's tokenizer.json against an independent implementation: Microsoft.ML.Tokenizers'
/// tiktoken with OpenAI's own GPT-2 ranks (r50k_base), which shares no code or data file with ours.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class TiktokenParityTests
{
    private static readonly Lazy<Tokenizer> Oracle = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    private static List<string> Strings()
    {
        var relations = RelationStrings.Relations();
        var strings = RelationStrings.SubjectsAndObjects(relations);
        strings.AddRange(RelationStrings.EdgeCases);
        strings.AddRange(relations.Select(r => RelationStrings.IclPrompt(r, shots: 5)));
        strings.AddRange(relations.Select(r => RelationStrings.IclPrompt(r, shots: 3, offset: 7)));
        return strings;
    }

    [Fact]
    public void IdsEqualTiktokenOnRelationStringsAndEdgeCases()
    {
        var ours = GoldenTokenizers.Gpt2;
        var strings = Strings();
        Assert.True(strings.Count >= 500, $"only {strings.Count} strings");
        Assert.Contains(strings, s => s.Any(c => c > 127));

        var mismatches = new List<string>();
        foreach (var s in strings)
        {
            var expected = Oracle.Value.EncodeToIds(s);
            var actual = ours.Encode(s).Ids;
            if (!expected.SequenceEqual(actual))
                mismatches.Add($"\"{s}\": tiktoken [{string.Join(",", expected)}] vs ours [{string.Join(",", actual)}]");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {strings.Count} differ:\n" + string.Join("\n", mismatches.Take(20)));
    }

    [Fact]
    public void EndOfTextPrefixIsOneTokenBeforeTheOraclesIds()
    {
        // The paper's GPT prompts start with "<|endoftext|>"; the oracle is given the rest only.
        var ours = GoldenTokenizers.Gpt2;
        foreach (var r in RelationStrings.Relations().Take(10))
        {
            var prompt = RelationStrings.IclPrompt(r, shots: 4);
            var ids = ours.Encode("<|endoftext|>" + prompt).Ids;
            Assert.Equal(ours.EosTokenId, ids[0]);
            Assert.Equal(Oracle.Value.EncodeToIds(prompt), ids[1..]);
        }
    }
}
