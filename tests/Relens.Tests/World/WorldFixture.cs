using Relens.Tokenization;
using Relens.World;

namespace Relens.Tests.World;

/// <summary>The tiny world and a BPE fitted to it, built once per test class that asks for it.</summary>
public sealed class TinyWorldFixture
{
    public WorldCorpus Corpus { get; } = WorldCorpus.Build(WorldSpec.Tiny, TestPaths.Relations);
    public BpeVocabulary Vocab { get; }
    /// <summary>The vocabulary as tokenizer.json, read back by the library's loader (as the trainer does).</summary>
    public ITokenizer Tokenizer { get; }

    public TinyWorldFixture()
    {
        Vocab = BpeTrainer.Train(Corpus.Documents(0), 600, [WorldDocuments.EndOfText]);
        Tokenizer = Vocab.Tokenizer(TestPaths.NewTempDir("tiny-world-tokenizer"), 256);
    }

    public int[] Ids(string text) => Tokenizer.Encode(text, addSpecialTokens: false).Ids;
}
