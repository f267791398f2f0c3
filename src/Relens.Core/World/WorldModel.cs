using Relens.Models.Gpt2;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.World;

/// <summary>The size of a world model: a small GPT-2.</summary>
/// <param name="Context">Learned positions (n_positions); 8-shot prompts of the default world need ~110.</param>
/// <param name="Activation">HF activation name. "gelu" (exact) rather than GPT-2's "gelu_new": the tanh form
/// cost ~25% more per step on CPU in the WORLD-PROBES runs and buys nothing for a model trained from scratch.</param>
public sealed record WorldModelShape(int Layers = 6, int DModel = 256, int Heads = 4, int Context = 256, string Activation = "gelu")
{
    public Gpt2Config Config(int vocabSize, int eosTokenId) => new()
    {
        VocabSize = vocabSize, NPositions = Context, NEmbd = DModel, NLayer = Layers, NHead = Heads,
        ActivationFunction = Activation, BosTokenId = eosTokenId, EosTokenId = eosTokenId, TieWordEmbeddings = true,
    };
}

/// <summary>Builds a freshly initialised GPT-2 for a world.</summary>
public static class WorldModel
{
    /// <summary>
    /// GPT-2's own initialisation (HF GPT2PreTrainedModel._init_weights): every weight N(0, 0.02), the
    /// residual projections (attn.c_proj, mlp.c_proj) N(0, 0.02/√(2L)) so the residual stream's variance
    /// does not grow with depth, biases 0, LayerNorms 1/0. Seeded by <paramref name="seed"/>.
    /// </summary>
    public static Gpt2Model Create(Gpt2Config config, int seed)
    {
        var model = new Gpt2Model(config);
        // A generator of its own: the weights depend on the seed alone, not on what else used the global RNG.
        using var generator = new torch.Generator((ulong)seed, torch.CPU);
        using var noGrad = torch.no_grad();
        double residualStd = 0.02 / Math.Sqrt(2.0 * config.NLayer);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.Contains(".ln_") || name.Contains("ln_f.")) continue;           // LayerNorm: ones/zeros already
            if (name.EndsWith(".bias")) p.zero_();
            else if (name.EndsWith("c_proj.weight")) p.normal_(0, residualStd, generator);
            else p.normal_(0, 0.02, generator);
        }
        return model;
    }
}
