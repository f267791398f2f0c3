using Relens.Checkpoints;
using Relens.Editing;
using Relens.Lre;
using Relens.Models;
using Relens.Models.Hooks;
using Relens.Relations;
using Relens.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Relens.Tests.Editing.EditedFolderTests;

namespace Relens.Tests.Editing;

/// <summary>
/// Edits of a GPT-Neo, the default world's architecture: gpt2-tiny's weights in GPT-Neo's layout with blocks 0–1
/// token-local (window 1) and tied embeddings (<see cref="GptNeoTests.AsGptNeo"/>). GPT-Neo's MLP output projection
/// is a Linear ([d, m], out = W·k), not GPT-2's transposed Conv1D.
/// </summary>
public class GptNeoEditTests
{
    private static readonly Lazy<string> Neo = new(() => GptNeoTests.AsGptNeo(local: 2, window: 1));

    /// <summary>
    /// ROME's update at block ℓ, written to a folder and reloaded: k* goes to W k* + Δh, keys C-orthogonal to k* are
    /// mapped as before, and in the model the subject's state after block ℓ moves by ΔW·k in each context its key is
    /// read from — so by exactly Δh on average over them (k* is their mean) — while every state before block ℓ stays
    /// bit for bit. The reloaded folder gives the in-memory edited model's logits, and only c_proj's bytes differ.
    /// </summary>
    [Theory]
    [InlineData(1)]   // a token-local block, as the default world's block 2
    [InlineData(2)]   // a global block
    public void RankOneEdit_AtAMiddleBlock_WritesTheTargetState_AndReloads(int block)
    {
        using var lm = LanguageModel.Load(Neo.Value);
        using var scope = torch.NewDisposeScope();
        var (ctx, edit) = RandomEdit(lm, LayerRef.At(block), seed: 11);
        var dh = torch.tensor(edit.Delta).to(ScalarType.Float64);
        var text = RelationDataset.Load(TestPaths.Relations).Relations.Take(10)
            .SelectMany(r => r.Samples.Take(20).Select(s => IclPrompt.Single(r.PromptTemplate, s.Subject, lm.PromptPrefix) + " " + s.Object)).ToList();
        var (c, count) = KeyStatistics.Estimate(lm, block, text);
        Assert.True(count > 4 * c.shape[0], $"{count} keys for a {c.shape[0]}² covariance");
        using var changes = WeightChanges.ForLre(lm, [edit], _ => c, lambda: 1.0);
        string name = Assert.Single(changes.Values.Keys);
        Assert.Equal($"transformer.h.{block}.mlp.c_proj.weight", name);

        // ΔW as stored (float32), [d, m]
        var w0 = lm.Model.MlpOutputProjection(block)!.Weight.detach().to(ScalarType.Float64);
        var deltaW = changes.Values[name].to(ScalarType.Float64) - w0;
        var keyPrompts = ctx.KeyPrompts(lm, edit.Subject);
        Assert.True(keyPrompts.Count >= 2);
        var keys = SubjectKeys.Read(lm, block, keyPrompts);
        var kStar = keys.mean([0]);
        Assert.True(Rel(torch.matmul(deltaW, kStar), dh) < 1e-5, $"ΔW k* off Δh by {Rel(torch.matmul(deltaW, kStar), dh):E2}");
        var cInvK = torch.linalg.solve(c, kStar.unsqueeze(1)).squeeze(1);
        var g = new Generator(5);
        for (int i = 0; i < 5; i++)
        {
            var k = torch.randn(kStar.shape[0], generator: g, dtype: ScalarType.Float64);
            var kPerp = k - torch.dot(k, cInvK) / torch.dot(kStar, cInvK) * kStar;
            double moved = (torch.matmul(deltaW, kPerp).norm() / (deltaW.norm() * kPerp.norm())).item<double>();
            Assert.True(moved < 1e-5, $"a C-orthogonal key moved by {moved:E2}");   // float32 storage of W + ΔW
        }

        var dir = Path.Combine(TestPaths.NewTempDir("edit-neo-mlp"), "edited");
        Directory.CreateDirectory(dir);
        EditedFolder.Write(Neo.Value, dir, changes);
        using var reloaded = LanguageModel.Load(dir);
        var moves = new List<Tensor>();
        for (int p = 0; p < keyPrompts.Count; p++)
        {
            var prompt = keyPrompts[p];
            var (below0, at0) = States(lm, prompt, block);
            var (below1, at1) = States(reloaded, prompt, block);
            Assert.Equal(0.0, MaxDiff(below0, below1));
            var move = (at1[prompt.SubjectIndex] - at0[prompt.SubjectIndex]).to(ScalarType.Float64);
            var expected = torch.matmul(deltaW, keys[p]);
            Assert.True((move - expected).norm().item<double>() < 1e-4 * dh.norm().item<double>(),
                $"context {p}: the state moved {(move - expected).norm().item<double>():E2} off ΔW·k");
            moves.Add(move);
        }
        var mean = torch.stack(moves).mean([0]);
        Assert.True(Rel(mean, dh) < 1e-4, $"the subject's state moved off Δh by {Rel(mean, dh):E2} of ‖Δh‖ on average over its key contexts");

        changes.ApplyInPlace(lm.Model);
        var nShot = ctx.Prompt(lm, edit.Subject);
        Assert.Equal(0.0, MaxDiff(Logits(lm, nShot), Logits(reloaded, nShot)));
        using var before = CheckpointLoader.Open(Neo.Value);
        using var after = CheckpointLoader.Open(dir);
        Assert.Equal(before.TensorNames.Order(), after.TensorNames.Order());
        foreach (var key in before.TensorNames)
        {
            bool same = Bytes(before, key).SequenceEqual(Bytes(after, key));
            Assert.True(key == name ? !same : same, $"{key}: {(same ? "unchanged" : "changed")}");
        }
    }

    /// <summary>An `emb` edit of the tied GPT-Neo unties it: lm_head.weight is the old embedding, byte for byte; the
    /// reloaded model's embedding-layer state is the old one plus Δh exactly at the subject's last token (and the same
    /// elsewhere), and its unembedding is unchanged.</summary>
    [Fact]
    public void EmbeddingEdit_UntiesTheTiedGptNeo_AndReloads()
    {
        using var lm = LanguageModel.Load(Neo.Value);
        Assert.True(lm.Model.TokenEmbeddingWeight!.Tied);
        using var scope = torch.NewDisposeScope();
        var (ctx, edit) = RandomEdit(lm, LayerRef.Embedding, seed: 12);
        using var changes = WeightChanges.ForLre(lm, [edit], _ => throw new InvalidOperationException("no MLP edit"), lambda: 1.0);
        Assert.True(changes.Untied);
        var dir = Path.Combine(TestPaths.NewTempDir("edit-neo-emb"), "edited");
        Directory.CreateDirectory(dir);
        EditedFolder.Write(Neo.Value, dir, changes);
        Assert.Contains("\"tie_word_embeddings\": false", File.ReadAllText(Path.Combine(dir, "config.json")));
        using var reloaded = LanguageModel.Load(dir);
        Assert.False(reloaded.Model.TokenEmbeddingWeight!.Tied);

        using var before = CheckpointLoader.Open(Neo.Value);
        using var after = CheckpointLoader.Open(dir);
        string wte = lm.Model.TokenEmbeddingWeight!.ParameterName;
        Assert.Contains(wte, before.TensorNames);
        Assert.Equal(Bytes(before, wte), Bytes(after, WeightChanges.UntiedHeadName));
        Assert.NotEqual(Bytes(before, wte), Bytes(after, wte));
        foreach (var key in before.TensorNames.Where(k => k != wte)) Assert.Equal(Bytes(before, key), Bytes(after, key));
        Assert.Equal(0.0, MaxDiff(lm.Model.UnembeddingWeight, reloaded.Model.UnembeddingWeight));

        var dh = torch.tensor(edit.Delta);
        var rows = WeightChanges.SubjectTokens(lm, edit).ToHashSet();
        foreach (var prompt in ctx.KeyPrompts(lm, edit.Subject))
        {
            var e0 = Embed(lm, prompt);
            var e1 = Embed(reloaded, prompt);
            for (int t = 0; t < prompt.Tokens.Count; t++)
            {
                var expected = rows.Contains(prompt.Tokens.Ids[t]) ? e0[t] + dh : e0[t];
                Assert.True((e1[t] - expected).abs().max().item<float>() < 1e-5f, $"position {t} of '{prompt.Text}'");
            }
        }
        var nShot = ctx.Prompt(lm, edit.Subject);
        Assert.True(MaxDiff(Logits(lm, nShot), Logits(reloaded, nShot)) > 0);
    }

    private static double Rel(Tensor a, Tensor b) => ((a - b).norm() / b.norm()).item<double>();

    /// <summary>The residual stream of one prompt alone, [T, d]: before block <paramref name="block"/> (its input) and after it.</summary>
    private static (Tensor Below, Tensor At) States(LanguageModel lm, SubjectPrompt prompt, int block)
    {
        using var noGrad = torch.no_grad();
        string below = block == 0 ? HookNames.Embed : HookNames.ResidPost(block - 1), at = HookNames.ResidPost(block);
        using var capture = new ActivationCapture(lm.Model.HookPoints, [below, at]);
        lm.Model.Forward(new ForwardInput { InputIds = Ids(prompt), Logits = LogitsAt.None });
        return (capture[below][0].clone(), capture[at][0].clone());
    }

    private static Tensor Embed(LanguageModel lm, SubjectPrompt prompt)
    {
        using var noGrad = torch.no_grad();
        using var capture = new ActivationCapture(lm.Model.HookPoints, [HookNames.Embed]);
        lm.Model.Forward(new ForwardInput { InputIds = Ids(prompt), Logits = LogitsAt.None });
        return capture[HookNames.Embed][0].clone();
    }

    private static Tensor Ids(SubjectPrompt p) => torch.tensor(p.Tokens.Ids.Select(i => (long)i).ToArray(), [1, p.Tokens.Count]);
}
