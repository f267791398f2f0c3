using Relens.Checkpoints;
using Relens.Editing;
using Relens.Models;
using Relens.Relations;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Editing;

/// <summary>An edited folder is an ordinary checkpoint: it reloads to the in-memory edited model, and only the edited tensors differ from the source.</summary>
public class EditedFolderTests
{
    private static readonly string Source = TestPaths.Golden("gpt2-tiny");

    internal static (RelationContext Context, PlannedEdit Edit) RandomEdit(LanguageModel lm, LayerRef layer, int seed)
    {
        var relation = RelationDataset.Load(TestPaths.Relations).Find("country capital city");
        var sample = relation.Samples[0];
        var ctx = RelationContext.Create(lm, relation, new HashSet<string> { sample.Subject }, shots: 3, seed: 0);
        var delta = torch.randn(lm.Model.HiddenSize, generator: new Generator((ulong)seed)).data<float>().ToArray();
        return (ctx, new PlannedEdit(new EditRequest(sample.Subject, relation.Name, "Oslo", "test line 1"), ctx, sample.Object, "?", layer, 8, delta, []));
    }

    [Theory]
    [InlineData("gpt2-tiny", "transformer.h.1.mlp.c_proj.weight")]
    [InlineData("qwen2-tiny", "model.layers.1.mlp.down_proj.weight")]
    [InlineData("phi3-tiny", "model.layers.1.mlp.down_proj.weight")]
    public void MlpEdit_ReloadsWithTheInMemoryLogits_AndOnlyTheEditedTensorChanges(string golden, string editedTensor)
    {
        string Source = TestPaths.Golden(golden);
        using var lm = LanguageModel.Load(Source);
        using var scope = torch.NewDisposeScope();
        var (ctx, edit) = RandomEdit(lm, LayerRef.At(1), seed: 5);
        var text = ctx.Relation.Samples.Select(s => IclPrompt.Single(ctx.Relation.PromptTemplate, s.Subject, lm.PromptPrefix) + " " + s.Object).ToList();
        var (c, _) = KeyStatistics.Estimate(lm, 1, text);
        using var changes = WeightChanges.ForLre(lm, [edit], _ => c + torch.eye(c.shape[0], dtype: c.dtype) * 1e-3, lambda: 1.0);
        Assert.False(changes.Untied);
        string name = Assert.Single(changes.Values.Keys);
        Assert.Equal(editedTensor, name);

        var dir = Path.Combine(TestPaths.NewTempDir("edit-mlp"), "edited");
        Directory.CreateDirectory(dir);
        EditedFolder.Write(Source, dir, changes);
        changes.ApplyInPlace(lm.Model);
        using var reloaded = LanguageModel.Load(dir);
        var prompt = ctx.Prompt(lm, edit.Subject);
        Assert.Equal(0.0, MaxDiff(Logits(lm, prompt), Logits(reloaded, prompt)));

        using var before = CheckpointLoader.Open(Source);
        using var after = CheckpointLoader.Open(dir);
        Assert.Equal(before.TensorNames.Order(), after.TensorNames.Order());
        foreach (var key in before.TensorNames)
        {
            bool same = Bytes(before, key).SequenceEqual(Bytes(after, key));
            Assert.True(key == name ? !same : same, $"{key}: {(same ? "unchanged" : "changed")}");
        }
        Assert.True(File.Exists(Path.Combine(dir, "tokenizer.json")));
    }

    [Fact]
    public void PostNormBlocks_RefuseMlpEdits_WithAMessage()
    {
        // Gemma 2 rescales the MLP's output by a post-norm before the residual: W k* + Δh would not move it by Δh
        using var lm = LanguageModel.Load(TestPaths.Golden("gemma2-tiny"));
        Assert.Null(lm.Model.MlpOutputProjection(0));
        var e = Assert.Throws<RelensException>(() => KeyStatistics.Estimate(lm, 0, ["some text to read"]));
        Assert.Contains("--layer emb", e.Message);
        Assert.NotNull(lm.Model.TokenEmbeddingWeight);
    }

    [Fact]
    public void EmbeddingEdit_UntiesTheHead_AndChangesOnlyTheSubjectRows()
    {
        using var lm = LanguageModel.Load(Source);
        using var scope = torch.NewDisposeScope();
        var (ctx, edit) = RandomEdit(lm, LayerRef.Embedding, seed: 6);
        using var changes = WeightChanges.ForLre(lm, [edit], _ => throw new InvalidOperationException("no MLP edit"), lambda: 1.0);
        Assert.True(changes.Untied);
        var dir = Path.Combine(TestPaths.NewTempDir("edit-emb"), "edited");
        Directory.CreateDirectory(dir);
        EditedFolder.Write(Source, dir, changes);
        using var reloaded = LanguageModel.Load(dir);
        Assert.Contains("\"tie_word_embeddings\": false", File.ReadAllText(Path.Combine(dir, "config.json")));

        // the new lm_head is the old tied embedding, bit for bit: the output distribution of every state is unchanged
        using var after = CheckpointLoader.Open(dir);
        using var before = CheckpointLoader.Open(Source);
        string wte = before.TensorNames.Single(k => k.EndsWith("wte.weight"));
        Assert.Equal(Bytes(before, wte), Bytes(after, WeightChanges.UntiedHeadName));
        // the embedding changed in exactly the subject's last-token rows, by Δh
        var rows = WeightChanges.SubjectTokens(lm, edit).Distinct().ToHashSet();
        var oldE = before.Load(wte, ScalarType.Float32);
        var newE = after.Load(wte, ScalarType.Float32);
        var changedRows = (newE - oldE).abs().sum(1).nonzero().reshape(-1).data<long>().Select(r => (int)r).ToHashSet();
        Assert.Equal(rows, changedRows);
        var dh = torch.tensor(edit.Delta);
        foreach (int r in rows) Assert.True((newE[r] - oldE[r] - dh).abs().max().item<float>() < 1e-6f);
        Assert.Equal(0.0, MaxDiff(lm.Model.Decode(oldE[rows.First()]), reloaded.Model.Decode(oldE[rows.First()])));
        foreach (var key in before.TensorNames.Where(k => k != wte)) Assert.Equal(Bytes(before, key), Bytes(after, key));

        // the reloaded model's emb state for the subject is the old one plus Δh
        var prompt = ctx.Prompt(lm, edit.Subject);
        Assert.True(MaxDiff(Logits(lm, prompt), Logits(reloaded, prompt)) > 0);
    }

    internal static byte[] Bytes(ICheckpoint c, string key)
    {
        var t = c.Load(key);
        var bytes = new byte[t.numel() * t.ElementSize];
        t.contiguous().bytes.CopyTo(bytes);
        return bytes;
    }

    internal static Tensor Logits(LanguageModel lm, Relens.Lre.SubjectPrompt p)
    {
        using var noGrad = torch.no_grad();
        return lm.Model.Forward(new ForwardInput { InputIds = torch.tensor(p.Tokens.Ids.Select(i => (long)i).ToArray(), [1, p.Tokens.Count]), Logits = LogitsAt.Last }).Logits!;
    }

    internal static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().to(ScalarType.Float64).item<double>();
}
