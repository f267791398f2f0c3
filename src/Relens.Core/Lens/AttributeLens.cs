using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Lens;

/// <summary>One cell of the lens: the top-k tokens a state decodes to, with probabilities.</summary>
public sealed record LensCell(int[] TokenIds, string[] Tokens, float[] Probabilities);

/// <summary>Layers × tokens of decoded states for one prompt.</summary>
/// <param name="Layers">Row labels: "emb", "0", …, "L−1".</param>
/// <param name="Tokens">Column labels: the prompt's tokens as text.</param>
/// <param name="Cells">Cells[row][column].</param>
public sealed record LensResult(string Prompt, string Operator, string[] Layers, string[] Tokens, LensCell[][] Cells);

/// <summary>
/// The attribute lens (LRE-METHOD §7): run the prompt once, take the state at every layer and token, apply
/// the SAME operator to each (an LRE, whatever its own layer; the identity gives the logit lens) and decode
/// it through the final norm and unembedding.
/// </summary>
public static class AttributeLens
{
    public static LensResult Run(LanguageModel lm, string prompt, IRelationOperator? op = null, int topK = 5)
    {
        if (string.IsNullOrEmpty(prompt)) throw new RelensException("the lens needs a non-empty prompt");
        op ??= new IdentityOperator();
        var model = lm.Model;
        var layers = LayerRef.All(model.NumLayers).ToList();
        var encoding = lm.Tokenizer.Encode(prompt);
        if (encoding.Count == 0) throw new RelensException("the prompt has no tokens");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var capture = new ActivationCapture(model.HookPoints, layers.Select(l => l.HookName));
        var ids = torch.tensor(encoding.Ids.Select(i => (long)i).ToArray(), [1, encoding.Count], ScalarType.Int64);
        model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.None });
        int t = encoding.Count;
        var cells = new LensCell[layers.Count][];
        for (int r = 0; r < layers.Count; r++)
        {
            // one layer at a time: a whole grid of vocabulary-sized logits would need layers·T·V floats at once
            using var rowScope = torch.NewDisposeScope();
            var states = capture[layers[r].HookName].select(0, 0);                                   // [T, d]
            var logits = model.Decode(op.Apply(states).to(model.DType)).to(ScalarType.Float32);      // [T, V]
            var (values, indices) = nn.functional.softmax(logits, -1).topk(topK, -1);
            var v = values.data<float>().ToArray();
            var ix = indices.data<long>().ToArray();
            cells[r] = new LensCell[t];
            for (int c = 0; c < t; c++)
            {
                int offset = c * topK;
                var top = Enumerable.Range(0, topK).Select(k => (int)ix[offset + k]).ToArray();
                cells[r][c] = new LensCell(top, top.Select(lm.Tokenizer.Decode).ToArray(), v.AsSpan(offset, topK).ToArray());
            }
        }
        var tokenTexts = Enumerable.Range(0, t).Select(i => lm.Tokenizer.Decode(encoding.Ids[i])).ToArray();
        return new LensResult(prompt, op.Name, layers.Select(l => l.ToString()).ToArray(), tokenTexts, cells);
    }
}
