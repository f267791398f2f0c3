using Microsoft.ML.Tokenizers;

namespace Relens.Tests.Tokenization;

/// <summary>
/// Our reader of llama-tiny's tokenizer.json against an independent implementation:
/// Microsoft.ML.Tokenizers' SentencePiece BPE reading the folder's original tokenizer.model (protobuf),
/// i.e. different code and a different file than ours.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class SentencePieceParityTests
{
    private static readonly Lazy<Tokenizer> Oracle = new(() =>
    {
        using var model = File.OpenRead(Path.Combine(TestPaths.Golden("llama-tiny"), "tokenizer.model"));
        return LlamaTokenizer.Create(model, addBeginOfSentence: true, addEndOfSentence: false);
    });

    [Fact]
    public void IdsEqualSentencePieceOnRelationStringsAndEdgeCases()
    {
        var ours = GoldenTokenizers.Llama;
        var relations = RelationStrings.Relations();
        var strings = RelationStrings.SubjectsAndObjects(relations, stride: 20);
        // "" is left out: HF's template still adds <s> (ours too, tested elsewhere); the oracle returns nothing.
        strings.AddRange(RelationStrings.EdgeCases.Where(s => s.Length > 0));
        strings.AddRange(relations.Select(r => RelationStrings.IclPrompt(r, shots: 5)));
        Assert.True(strings.Count >= 500, $"only {strings.Count} strings");

        var mismatches = new List<string>();
        foreach (var s in strings)
        {
            var expected = Oracle.Value.EncodeToIds(s);
            var actual = ours.Encode(s).Ids;
            if (!expected.SequenceEqual(actual))
                mismatches.Add($"\"{s}\": sentencepiece [{string.Join(",", expected)}] vs ours [{string.Join(",", actual)}]");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {strings.Count} differ:\n" + string.Join("\n", mismatches.Take(20)));
    }
}
