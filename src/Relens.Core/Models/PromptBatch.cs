using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>
/// Prompts tokenized and left-padded into one batch, with the padding mask. Left padding keeps every
/// prompt's last token in the last column; positions come from the mask, so results equal unbatched runs.
/// Tensors live in the caller's dispose scope.
/// </summary>
public sealed class PromptBatch
{
    private PromptBatch(Tensor ids, Tensor mask, TokenizedText[] encodings, int[] padding)
    {
        InputIds = ids;
        PaddingMask = mask;
        Encodings = encodings;
        Padding = padding;
    }

    /// <summary>[B, T] int64.</summary>
    public Tensor InputIds { get; }
    /// <summary>[B, T] int64, 1 = real token.</summary>
    public Tensor PaddingMask { get; }
    public TokenizedText[] Encodings { get; }
    /// <summary>Pad tokens in front of each row.</summary>
    public int[] Padding { get; }
    public int Count => Encodings.Length;
    public int Length => (int)InputIds.shape[1];

    /// <summary>Column in the batch of token <paramref name="tokenIndex"/> of prompt <paramref name="row"/>.</summary>
    public long Column(int row, int tokenIndex) => Padding[row] + tokenIndex;

    public static PromptBatch Create(ITokenizer tokenizer, IReadOnlyList<string> prompts, bool addSpecialTokens = true)
    {
        if (prompts.Count == 0) throw new ArgumentException("no prompts");
        var encodings = prompts.Select(p => tokenizer.Encode(p, addSpecialTokens)).ToArray();
        return FromEncodings(encodings, tokenizer.EosTokenId ?? 0);
    }

    public static PromptBatch FromEncodings(TokenizedText[] encodings, int padId)
    {
        int length = encodings.Max(e => e.Count);
        if (length == 0) throw new RelensException("cannot run an empty prompt (it has no tokens)");
        var ids = new long[encodings.Length * length];
        var mask = new long[encodings.Length * length];
        var padding = new int[encodings.Length];
        for (int r = 0; r < encodings.Length; r++)
        {
            int pad = length - encodings[r].Count;
            padding[r] = pad;
            for (int t = 0; t < length; t++)
            {
                bool real = t >= pad;
                ids[r * length + t] = real ? encodings[r].Ids[t - pad] : padId;
                mask[r * length + t] = real ? 1 : 0;
            }
        }
        return new PromptBatch(
            torch.tensor(ids, [encodings.Length, length], ScalarType.Int64),
            torch.tensor(mask, [encodings.Length, length], ScalarType.Int64),
            encodings, padding);
    }
}
