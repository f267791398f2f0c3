using Relens.Cli.Commands;
using Relens.Models;
using Relens.Models.Gpt2;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>HF-style random initialisation and `relens model init` folders.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class ModelInitTests
{
    private static ModelConfig SmallGpt2(int vocab = 1000) => ModelTemplates.Config("gpt2", new ModelShape(Layers: 2, Dim: 64, Heads: 4, Vocab: vocab, Positions: 128));

    [Fact]
    public void WeightsFollowHuggingFacesGpt2Initialisation()
    {
        using var model = (Gpt2Model)ModelTemplates.CreateRandom(SmallGpt2(), seed: 1);
        using var scope = torch.NewDisposeScope();
        double Std(Tensor t) => t.std().item<float>();
        Assert.InRange(Std(model.transformer.wte.weight), 0.019, 0.021);               // 64,000 draws
        Assert.InRange(Std(model.transformer.wpe.weight), 0.0185, 0.0215);
        Assert.InRange(Std(model.transformer.h[0].attn.c_attn.weight), 0.0185, 0.0215);
        Assert.InRange(Std(model.transformer.h[1].mlp.c_fc.weight), 0.0185, 0.0215);
        // residual projections: 0.02 / √(2·n_layer) = 0.01
        Assert.InRange(Std(model.transformer.h[0].attn.c_proj.weight), 0.009, 0.011);
        Assert.InRange(Std(model.transformer.h[1].mlp.c_proj.weight), 0.009, 0.011);
        Assert.Equal(0f, model.transformer.h[0].attn.c_attn.bias.abs().max().item<float>());
        Assert.Equal(0f, model.transformer.h[1].mlp.c_proj.bias.abs().max().item<float>());
        Assert.Equal(1f, model.transformer.ln_f.weight.min().item<float>());
        Assert.Equal(1f, model.transformer.h[0].ln_2.weight.max().item<float>());
        Assert.Equal(0f, model.transformer.h[0].ln_1.bias.abs().max().item<float>());
    }

    [Fact]
    public void SameSeedSameWeightsOtherSeedOtherWeights()
    {
        using var a = ModelTemplates.CreateRandom(SmallGpt2(), 7);
        using var b = ModelTemplates.CreateRandom(SmallGpt2(), 7);
        using var c = ModelTemplates.CreateRandom(SmallGpt2(), 8);
        using var scope = torch.NewDisposeScope();
        var pa = a.named_parameters().ToList();
        var pb = b.named_parameters().ToList();
        var pc = c.named_parameters().ToList();
        for (int i = 0; i < pa.Count; i++) Assert.True(pa[i].parameter.eq(pb[i].parameter).all().item<bool>(), pa[i].name);
        Assert.False(pa[0].parameter.eq(pc[0].parameter).all().item<bool>());
    }

    [Fact]
    public void ModelInitCommandWritesALoadableFolder()
    {
        string dir = Path.Combine(TestPaths.NewTempDir("model-init"), "tiny");
        int code = new ModelInitCommand().Run(["init", "--arch", "gpt2", "--layers", "2", "--dim", "32", "--heads", "4",
            "--out", dir, "--tokenizer-from", TestPaths.Golden("gpt2-tiny"), "--seed", "3"]);
        Assert.Equal(0, code);
        using var lm = LanguageModel.Load(dir);
        Assert.Equal(2, lm.Model.NumLayers);
        Assert.Equal(32, lm.Model.HiddenSize);
        Assert.Equal(50257, lm.Model.VocabSize); // --vocab defaults to the tokenizer's size
        Assert.Equal("<|endoftext|>", lm.Tokenizer.EosToken);
        // the folder holds exactly ModelInit's weights for the seed
        using var expected = ModelTemplates.CreateRandom(lm.Config, 3);
        var loaded = lm.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in expected.named_parameters()) Assert.True(p.eq(loaded[name]).all().item<bool>(), name);
        using var scope = torch.NewDisposeScope();
        var logits = lm.Model.Forward(new ForwardInput { InputIds = torch.tensor(lm.Tokenizer.Encode("Hello world").Ids.Select(i => (long)i).ToArray(), [1, 2]) }).Logits!;
        Assert.False(logits.isnan().any().item<bool>());
    }

    [Fact]
    public void UnsupportedArchitecturesAreNamedWithTheSupportedOnes()
    {
        var e = Assert.Throws<RelensException>(() => ModelTemplates.Config("mistral", new ModelShape(2, 32, 4, 100)));
        Assert.Contains("'mistral'", e.Message);
        Assert.Contains("supported: ", e.Message);
        Assert.All(ModelTemplates.SupportedArchitectures, a => Assert.Contains(a, e.Message));
        Assert.Equal("gpt_neox", ModelTemplates.Config("neox", new ModelShape(2, 32, 4, 100)).ModelType); // bench's name for it
        Assert.Throws<RelensException>(() => ModelTemplates.Config("gpt2", new ModelShape(2, 30, 4, 100))); // 30 % 4 ≠ 0
        var tooSmall = Assert.Throws<RelensException>(() => new ModelInitCommand().Run(["init", "--arch", "gpt2", "--layers", "1", "--dim", "8",
            "--heads", "2", "--vocab", "100", "--out", TestPaths.NewTempDir("model-init-small"), "--tokenizer-from", TestPaths.Golden("gpt2-tiny")]));
        Assert.Contains("out of range", tooSmall.Message);
    }
}
