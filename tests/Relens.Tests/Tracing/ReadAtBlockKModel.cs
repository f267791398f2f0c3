using System.Text.Json.Nodes;
using Relens.Models;
using Relens.Models.Gpt2;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Tracing;

/// <summary>
/// A GPT-2 with hand-set weights whose only route from the subject to the answer is block K's attention at the last
/// position: every other block (and every MLP) outputs zero, and block K's value reads a feature (dim 0 − dim 2 after
/// ln_1) that only the subject token's embedding has. Its output lands in dim 5 at every position, and the untied
/// lm_head turns dim 5 (− dim 2) of the last state into the answer's logit. Without the subject (knocked out, or
/// replaced by a filler token) block K adds exactly nothing, so p(answer) is the no-subject baseline.
/// </summary>
public static class ReadAtBlockKModel
{
    public const int Layers = 4, K = 2, D = 8;
    public const string Prompt = "In Paris they speak", Subject = "Paris", Answer = " French";

    public static LanguageModel Build()
    {
        var tokenizer = TokenizerLoader.FromDirectory(TestPaths.Golden("gpt2-tiny"));
        var config = new Gpt2Config { VocabSize = tokenizer.VocabSize, NEmbd = D, NLayer = Layers, NHead = 1, NPositions = 64, TieWordEmbeddings = false };
        var model = new Gpt2Model(config);
        int subject = tokenizer.Encode(" " + Subject, false).Ids.Single(), answer = tokenizer.Encode(Answer, false).Ids.Single();
        using (torch.no_grad())
        {
            foreach (var p in model.parameters()) p.zero_();
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains("ln_") && name.EndsWith("weight")) p.fill_(1.0);
            var t = model.transformer;
            t.wte.weight[.., 1] = 2.0;                 // every token: the filler feature
            t.wte.weight[subject] = torch.zeros(D);
            t.wte.weight[subject, 0] = 1.0;            // the subject: the subject feature only
            var attn = t.h[K].attn;
            attn.c_attn.weight[0, 2 * D] = 1.0;        // value = ln_1(x)[0] − ln_1(x)[2]: zero for every token but the subject
            attn.c_attn.weight[2, 2 * D] = -1.0;
            attn.c_proj.weight[0, 5] = 5.3;            // → residual dim 5
            model.lm_head!.weight[answer, 5] = 8.0;    // answer logit = 8 · (ln_f(z)[5] − ln_f(z)[2])
            model.lm_head!.weight[answer, 2] = -8.0;
        }
        return new LanguageModel(model, tokenizer, ModelConfig.FromJson(config.ToJson()), "(in memory)");
    }

    public static int AnswerId(LanguageModel lm) => lm.Tokenizer.Encode(Answer, false).Ids.Single();

    /// <summary>p(answer) of a plain forward pass of <paramref name="prompt"/>.</summary>
    public static double Probability(LanguageModel lm, string prompt)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = lm.Tokenizer.Encode(prompt).Ids.Select(i => (long)i).ToArray();
        var logits = lm.Model.Forward(new ForwardInput { InputIds = torch.tensor(ids, [1, ids.Length]), Logits = LogitsAt.Last }).Logits!;
        return nn.functional.softmax(logits, -1)[0, AnswerId(lm)].to(ScalarType.Float64).item<double>();
    }
}
