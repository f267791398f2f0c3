using System.Text.Json.Nodes;
using Relens.Checkpoints;
using Relens.Models;
using Relens.Models.GptNeo;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// GPT-Neo without an HF golden: gpt2-tiny's weights converted into GPT-Neo's layout must give the same model.
/// GPT-Neo has separate q/k/v Linear layers without bias and does not scale the scores by 1/√head_dim: the scale
/// folds into q_proj, the k bias cancels in the softmax (it adds the same q·b_k to every score of a query), the v
/// bias folds into out_proj's bias (probabilities sum to 1), and the q bias cannot be folded — so the reference is
/// gpt2-tiny with its q bias zeroed, run through Relens's GPT-2 (which the golden parity tests tie to HF).
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class GptNeoTests
{
    private const string Prompt = "The capital city of France is Paris\nThe capital city of Japan is";
    private const int D = 64, Heads = 4, Layers = 4;

    /// <summary>gpt2-tiny with the q third of every c_attn bias set to 0.</summary>
    private static readonly Lazy<string> Gpt2NoQBias = new(() => Convert("gpt2-noqbias", null, gpt2: true));

    /// <summary>The same weights as a GPT-Neo folder; layers below <paramref name="local"/> local with <paramref name="window"/>.</summary>
    internal static string AsGptNeo(int local, int window) => Convert($"gptneo-{local}-{window}", c =>
    {
        foreach (var key in new[] { "n_embd", "n_layer", "n_head", "n_positions", "n_inner", "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn" })
            c.Remove(key);
        c["model_type"] = "gpt_neo";
        c["architectures"] = new JsonArray("GPTNeoForCausalLM");
        c["hidden_size"] = D;
        c["num_layers"] = Layers;
        c["num_heads"] = Heads;
        c["max_position_embeddings"] = 1024;
        c["window_size"] = window;
        var types = new JsonArray();
        if (local > 0) types.Add(new JsonArray(new JsonArray("local"), local));
        if (local < Layers) types.Add(new JsonArray(new JsonArray("global"), Layers - local));
        c["attention_types"] = types;
    }, gpt2: false);

    private static string Convert(string tag, Action<JsonObject>? editConfig, bool gpt2)
    {
        string source = TestPaths.Golden("gpt2-tiny");
        string dir = TestPaths.NewTempDir(tag);
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt" })
            if (File.Exists(Path.Combine(source, f))) File.Copy(Path.Combine(source, f), Path.Combine(dir, f));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        editConfig?.Invoke(config);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());

        using var scope = torch.NewDisposeScope();
        using var checkpoint = CheckpointLoader.Open(source);
        var w = checkpoint.TensorNames.ToDictionary(n => n, n => checkpoint.Load(n, ScalarType.Float32));
        var tensors = new List<(string, Tensor)>();
        foreach (var (name, t) in w)
        {
            if (!name.Contains(".attn.c_attn.") && !name.Contains(".attn.c_proj.") && !name.Contains(".mlp."))
                tensors.Add((name, t));
        }
        for (int l = 0; l < Layers; l++)
        {
            string p = $"transformer.h.{l}.";
            var cAttnW = w[p + "attn.c_attn.weight"];                    // Conv1D [d, 3d]: x·W
            var cAttnB = w[p + "attn.c_attn.bias"].clone();
            cAttnB.narrow(0, 0, D).zero_();
            var cProjW = w[p + "attn.c_proj.weight"];
            var cProjB = w[p + "attn.c_proj.bias"];
            if (gpt2)
            {
                tensors.Add((p + "attn.c_attn.weight", cAttnW));
                tensors.Add((p + "attn.c_attn.bias", cAttnB));
                tensors.Add((p + "attn.c_proj.weight", cProjW));
                tensors.Add((p + "attn.c_proj.bias", cProjB));
                foreach (var m in new[] { "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias" })
                    tensors.Add((p + m, w[p + m]));
                continue;
            }
            double scale = 1.0 / Math.Sqrt(D / Heads);
            string a = p + "attn.attention.";
            tensors.Add((a + "q_proj.weight", (cAttnW.narrow(1, 0, D).t() * scale).contiguous()));
            tensors.Add((a + "k_proj.weight", cAttnW.narrow(1, D, D).t().contiguous()));
            tensors.Add((a + "v_proj.weight", cAttnW.narrow(1, 2 * D, D).t().contiguous()));
            tensors.Add((a + "out_proj.weight", cProjW.t().contiguous()));
            tensors.Add((a + "out_proj.bias", cProjB + torch.matmul(cAttnB.narrow(0, 2 * D, D), cProjW)));
            tensors.Add((p + "mlp.c_fc.weight", w[p + "mlp.c_fc.weight"].t().contiguous()));
            tensors.Add((p + "mlp.c_fc.bias", w[p + "mlp.c_fc.bias"]));
            tensors.Add((p + "mlp.c_proj.weight", w[p + "mlp.c_proj.weight"].t().contiguous()));
            tensors.Add((p + "mlp.c_proj.bias", w[p + "mlp.c_proj.bias"]));
        }
        SafetensorsWriter.Write(Path.Combine(dir, CheckpointLoader.SingleFileName), tensors);
        return dir;
    }

    private static (Tensor Logits, Tensor[] Hidden) Run(LanguageModel lm, Tensor ids)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var names = new[] { HookNames.Embed }.Concat(Enumerable.Range(0, Layers).Select(HookNames.ResidPost)).ToArray();
        using var capture = new ActivationCapture(lm.Model.HookPoints, names);
        var logits = lm.Model.Forward(new ForwardInput { InputIds = ids }).Logits!;
        var hidden = names.Select(n => capture[n].clone().MoveToOuterDisposeScope()).ToArray();
        return (logits.MoveToOuterDisposeScope(), hidden);
    }

    [Fact]
    public void All_global_GPT_Neo_equals_the_converted_GPT2_in_logits_and_every_hidden_state()
    {
        using var gpt2 = LanguageModel.Load(Gpt2NoQBias.Value);
        using var neo = LanguageModel.Load(AsGptNeo(0, 256));
        Assert.Equal("gpt_neo", neo.ModelType);
        Assert.IsType<GptNeoModel>(neo.Model);
        using var scope = torch.NewDisposeScope();
        var ids = ModelFolders.Ids(gpt2, Prompt);
        var (expected, expectedHidden) = Run(gpt2, ids);
        var (actual, actualHidden) = Run(neo, ids);
        Assert.True(ModelFolders.MaxDiff(expected, actual) < 1e-4, $"logits differ by {ModelFolders.MaxDiff(expected, actual):E2}");
        for (int l = 0; l < expectedHidden.Length; l++)
            Assert.True(ModelFolders.MaxDiff(expectedHidden[l], actualHidden[l]) < 1e-4, $"hidden state {l} differs by {ModelFolders.MaxDiff(expectedHidden[l], actualHidden[l]):E2}");
        // the zeroed q bias is a real change: the golden gpt2-tiny gives other logits
        using var original = LanguageModel.Load(TestPaths.Golden("gpt2-tiny"));
        Assert.True(ModelFolders.MaxDiff(expected, Run(original, ids).Logits) > 1e-3);
    }

    /// <summary>
    /// Local layers against a reference written here from HF's formulas with an explicit mask (allowed iff
    /// i − window &lt; j ≤ i): window 1 for layers 0–1 and window 3 for a second model; batching with left padding
    /// and a prefix cache give the same logits.
    /// </summary>
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    public void Local_layers_match_an_explicit_window_mask_and_batch_and_cache_consistently(int local, int window)
    {
        string dir = AsGptNeo(local, window);
        using var neo = LanguageModel.Load(dir);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = ModelFolders.Ids(neo, Prompt);
        long t = ids.shape[1];
        var logits = neo.Model.Forward(new ForwardInput { InputIds = ids }).Logits!;
        var reference = Reference(dir, ids, local, window);
        Assert.True(ModelFolders.MaxDiff(reference, logits) < 1e-4, $"logits differ from the explicit-mask reference by {ModelFolders.MaxDiff(reference, logits):E2}");
        using var global = LanguageModel.Load(AsGptNeo(0, window));
        Assert.True(ModelFolders.MaxDiff(logits, global.Model.Forward(new ForwardInput { InputIds = ids }).Logits!) > 1e-3);

        // left-padded beside a shorter prompt: the same logits at the real positions
        var shortIds = ids.narrow(1, 0, t - 4);
        var batch = torch.zeros(2, t, dtype: ScalarType.Int64);
        batch[0] = ids[0];
        batch[1].narrow(0, 4, t - 4).copy_(shortIds[0]);
        var mask = torch.ones(2, t, dtype: ScalarType.Int64);
        mask[1].narrow(0, 0, 4).zero_();
        var batched = neo.Model.Forward(new ForwardInput { InputIds = batch, PaddingMask = mask }).Logits!;
        var alone = neo.Model.Forward(new ForwardInput { InputIds = shortIds }).Logits!;
        Assert.True(ModelFolders.MaxDiff(logits[0], batched[0]) < 1e-4);
        Assert.True(ModelFolders.MaxDiff(alone[0], batched[1].narrow(0, 4, t - 4)) < 1e-4);
        // a window of 1 skips the scores (GptNeoSelfAttention.AttendsToSelfOnly); an identity score edit forces them,
        // and the real positions agree bit for bit (the softmax is exactly one-hot)
        var scored = neo.Model.Forward(new ForwardInput { InputIds = batch, PaddingMask = mask, ScoreEdit = (_, s) => s }).Logits!;
        Assert.Equal(0.0, ModelFolders.MaxDiff(batched[0], scored[0]));
        Assert.Equal(0.0, ModelFolders.MaxDiff(batched[1].narrow(0, 4, t - 4), scored[1].narrow(0, 4, t - 4)));

        // a prefix cache: the window reaches across the cache boundary
        long split = t / 2;
        var prefix = neo.Model.Forward(new ForwardInput { InputIds = ids.narrow(1, 0, split), ReturnCache = true });
        using var cache = prefix.Cache!;
        var suffix = neo.Model.Forward(new ForwardInput { InputIds = ids.narrow(1, split, t - split), Past = cache }).Logits!;
        Assert.True(ModelFolders.MaxDiff(logits.narrow(1, split, t - split), suffix) < 1e-4);
    }

    [Fact]
    public void Score_edits_reach_local_layers_too()
    {
        using var neo = LanguageModel.Load(AsGptNeo(2, 3));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var seen = new List<int>();
        neo.Model.Forward(new ForwardInput { InputIds = ModelFolders.Ids(neo, Prompt), ScoreEdit = (layer, scores) => { seen.Add(layer); return scores; } });
        Assert.Equal(new[] { 0, 1, 2, 3 }, seen);
    }

    [Fact]
    public void Config_reads_HF_attention_types_and_refuses_inconsistent_ones()
    {
        var c = GptNeoConfig.From(ModelConfig.Load(AsGptNeo(3, 1)));
        Assert.Equal(new[] { "local", "local", "local", "global" }, c.AttentionLayers);
        Assert.Equal(1, c.WindowOf(0));
        Assert.Null(c.WindowOf(3));
        var json = c.ToJson();
        Assert.Equal("[[[\"local\"],3],[[\"global\"],1]]", json["attention_types"]!.ToJsonString());
        Assert.Equal(c.AttentionLayers, GptNeoConfig.From(ModelConfig.FromJson(json)).AttentionLayers);

        json["attention_types"] = JsonNode.Parse("[[[\"local\"],2]]");
        var e = Assert.Throws<RelensException>(() => GptNeoConfig.From(ModelConfig.FromJson(json, "x/config.json")));
        Assert.Contains("expands to 2 layers", e.Message);
        json["attention_types"] = JsonNode.Parse("[[[\"sparse\"],4]]");
        Assert.Contains("'sparse'", Assert.Throws<RelensException>(() => GptNeoConfig.From(ModelConfig.FromJson(json))).Message);
        json["attention_types"] = JsonNode.Parse("[[[\"global\"],4]]");
        Assert.Contains("disagrees", Assert.Throws<RelensException>(() => GptNeoConfig.From(ModelConfig.FromJson(json))).Message);
    }

    // HF's GPTNeo forward written out with plain tensor ops: LayerNorm, unscaled scores, an explicit mask, gelu_new.
    private static Tensor Reference(string dir, Tensor ids, int local, int window)
    {
        using var scope = torch.NewDisposeScope();
        using var checkpoint = CheckpointLoader.Open(dir);
        Tensor W(string name) => checkpoint.Load(name, ScalarType.Float32);
        long t = ids.shape[1], hd = D / Heads;
        Tensor Ln(Tensor x, string p) => nn.functional.layer_norm(x, [D], W(p + ".weight"), W(p + ".bias"), 1e-5);
        var x = W("transformer.wte.weight").index_select(0, ids[0]) + W("transformer.wpe.weight").narrow(0, 0, t);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"transformer.h.{l}.";
            var allowed = new bool[t * t];
            for (int i = 0; i < t; i++)
                for (int j = 0; j < t; j++)
                    allowed[i * t + j] = j <= i && (l >= local || j > i - window);
            var mask = torch.tensor(allowed, [t, t]);
            var h = Ln(x, p + "ln_1");
            Tensor Split(Tensor y) => y.view(t, Heads, hd).transpose(0, 1);       // [H, T, hd]
            var q = Split(torch.matmul(h, W(p + "attn.attention.q_proj.weight").t()));
            var k = Split(torch.matmul(h, W(p + "attn.attention.k_proj.weight").t()));
            var v = Split(torch.matmul(h, W(p + "attn.attention.v_proj.weight").t()));
            var scores = torch.matmul(q, k.transpose(1, 2)).masked_fill(mask.logical_not(), -1e9);
            var attended = torch.matmul(nn.functional.softmax(scores, -1), v).transpose(0, 1).reshape(t, D);
            x = x + torch.matmul(attended, W(p + "attn.attention.out_proj.weight").t()) + W(p + "attn.attention.out_proj.bias");
            var m = torch.matmul(Ln(x, p + "ln_2"), W(p + "mlp.c_fc.weight").t()) + W(p + "mlp.c_fc.bias");
            m = 0.5 * m * (1 + torch.tanh(Math.Sqrt(2 / Math.PI) * (m + 0.044715 * m.pow(3))));
            x = x + torch.matmul(m, W(p + "mlp.c_proj.weight").t()) + W(p + "mlp.c_proj.bias");
        }
        var final = Ln(x, "transformer.ln_f");
        return torch.matmul(final, W("transformer.wte.weight").t()).unsqueeze(0).MoveToOuterDisposeScope();
    }
}
