using Relens.Models;

namespace Relens.Editing;

/// <summary>Documents tokenized and packed end to end into blocks of at most <c>blockSize</c> tokens, up to <c>maxTokens</c>.</summary>
internal static class TokenStream
{
    public static List<long[]> Blocks(LanguageModel lm, IEnumerable<string> documents, int blockSize, long maxTokens)
    {
        var blocks = new List<long[]>();
        var current = new List<long>(blockSize);
        long total = 0;
        foreach (var doc in documents)
        {
            foreach (int id in lm.Tokenizer.Encode(doc).Ids)
            {
                current.Add(id);
                if (++total >= maxTokens) break;
                if (current.Count == blockSize) { blocks.Add(current.ToArray()); current.Clear(); }
            }
            if (total >= maxTokens) break;
        }
        if (current.Count > 1) blocks.Add(current.ToArray());
        return blocks;
    }
}
