using Relens.Models;
using Relens.Models.Gpt2;
using Relens.Models.GptNeo;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.World;

/// <summary>The size of a world model: a small GPT-2, or a GPT-Neo when its first blocks attend locally.</summary>
/// <param name="Context">Learned positions (n_positions); 8-shot prompts of the default world need ~110.</param>
/// <param name="Activation">HF activation name. "gelu" (exact) rather than GPT-2's "gelu_new": the tanh form
/// cost ~25% more per step on CPU in the WORLD-PROBES runs and buys nothing for a model trained from scratch.</param>
/// <param name="LocalLayers">Blocks 0..LocalLayers−1 attend only to the last <paramref name="Window"/> tokens (their own
/// token for window 1), the rest globally: the last position then cannot copy the subject's token before the
/// subject's own state has passed those blocks (WORLD-PROBES probe 5). 0 = every block global, saved as GPT-2;
/// otherwise the model is HF's GPT-Neo, whose config names each layer global or local. The defaults are the
/// default world's (D-L3s in docs/WORLD.md); LocalLayers 0 gives R1, the earlier GPT-2 default.</param>
public sealed record WorldModelShape(int Layers = 6, int DModel = 256, int Heads = 4, int Context = 256, string Activation = "gelu",
    int LocalLayers = 3, int Window = 1)
{
    public void Validate()
    {
        if (LocalLayers < 0 || LocalLayers > Layers)
            throw new RelensException($"--local-layers must be between 0 and --layers ({Layers}), got {LocalLayers}");
        if (LocalLayers > 0 && Window < 1) throw new RelensException($"--window must be ≥ 1, got {Window}");
    }

    /// <summary>"GPT-2 6×256" or "GPT-Neo 6×256, blocks 0–2 window 1".</summary>
    public string Describe() => LocalLayers == 0 ? $"GPT-2 {Layers}×{DModel}"
        : $"GPT-Neo {Layers}×{DModel}, block{(LocalLayers > 1 ? $"s 0–{LocalLayers - 1}" : " 0")} local (window {Window})";

    /// <summary>config.json of this shape (GPT-2 without local blocks, GPT-Neo with).</summary>
    public ModelConfig Config(int vocabSize, int eosTokenId)
    {
        Validate();
        var json = LocalLayers == 0
            ? new Gpt2Config
            {
                VocabSize = vocabSize, NPositions = Context, NEmbd = DModel, NLayer = Layers, NHead = Heads,
                ActivationFunction = Activation, BosTokenId = eosTokenId, EosTokenId = eosTokenId, TieWordEmbeddings = true,
            }.ToJson()
            : new GptNeoConfig
            {
                VocabSize = vocabSize, MaxPositionEmbeddings = Context, HiddenSize = DModel, NumLayers = Layers, NumHeads = Heads,
                WindowSize = Window, AttentionLayers = GptNeoConfig.Layers(LocalLayers, Layers),
                ActivationFunction = Activation, BosTokenId = eosTokenId, EosTokenId = eosTokenId, TieWordEmbeddings = true,
            }.ToJson();
        return ModelConfig.FromJson(json);
    }
}

/// <summary>Builds a freshly initialised world model — the same class Relens loads the saved folder into.</summary>
public static class WorldModel
{
    /// <summary>
    /// GPT-2's own initialisation (HF GPT2PreTrainedModel._init_weights), for GPT-Neo too: every weight N(0, 0.02),
    /// the residual projections (GPT-2's attn/mlp c_proj, GPT-Neo's out_proj and mlp c_proj) N(0, 0.02/√(2L)) so the
    /// residual stream's variance does not grow with depth, biases 0, LayerNorms 1/0. Seeded by <paramref name="seed"/>.
    /// </summary>
    public static TransformerLM Create(ModelConfig config, int seed)
    {
        var model = ModelRegistry.Get(config).Create(config, ScalarType.Float32);
        // A generator of its own: the weights depend on the seed alone, not on what else used the global RNG.
        using var generator = new torch.Generator((ulong)seed, torch.CPU);
        using var noGrad = torch.no_grad();
        double residualStd = 0.02 / Math.Sqrt(2.0 * model.NumLayers);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.Contains(".ln_") || name.Contains("ln_f.")) continue;           // LayerNorm: ones/zeros already
            if (name.EndsWith(".bias")) p.zero_();
            else if (name.EndsWith("c_proj.weight") || name.EndsWith("out_proj.weight")) p.normal_(0, residualStd, generator);
            else p.normal_(0, 0.02 * ParameterScale(config, name), generator);
        }
        return model;
    }

    /// <summary>
    /// 1/√head_dim for GPT-Neo's q_proj, 1 elsewhere. GPT-Neo does not scale its attention scores, so a q_proj
    /// initialised and trained at this factor (<see cref="WorldTrainer"/>'s scaled groups) is GPT-2's scaled
    /// attention with the scale folded into the weight: the saved folder is plain GPT-Neo, the optimisation R1's.
    /// </summary>
    public static double ParameterScale(ModelConfig config, string name) =>
        config.ModelType == "gpt_neo" && name.EndsWith("q_proj.weight")
            ? 1.0 / Math.Sqrt(config.Int("hidden_size") / config.Int("num_heads")) : 1.0;
}
