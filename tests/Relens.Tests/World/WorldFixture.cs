using Relens.World;

namespace Relens.Tests.World;

/// <summary>The tiny world and a BPE fitted to it, built once per test class that asks for it.</summary>
public sealed class TinyWorldFixture
{
    public WorldCorpus Corpus { get; } = WorldCorpus.Build(WorldSpec.Tiny, TestPaths.Relations);
    public BpeVocabulary Vocab { get; }

    public TinyWorldFixture() => Vocab = BpeTrainer.Train(Corpus.Documents(0), 600, [WorldDocuments.EndOfText]);
}
