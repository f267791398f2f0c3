using System.Text.Json.Nodes;
using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// Settings the three goldens do not cover, against a plain float64 re-implementation written here from HF's modeling
/// files (one position at a time, its own RoPE, masks and GQA indexing), with the expected semantics of each config
/// stated by hand per case — not read through Relens's config classes.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class FamilyReferenceTests
{
    /// <summary>What HF does for one case: per-layer window (null = global), norms, scale, caps, rotary width.</summary>
    private sealed record Expected(string Layout, bool OnePlus, bool ScaleEmbedding, string QkNorm, int?[] Windows,
        double Scale, double? AttnCap, double? FinalCap, int RotaryDim, double Theta, double Eps, bool Fused, bool Gelu);

    private const string Prompt = "The capital city of France is Paris\nThe capital city of Japan is Tokyo\nThe capital city of Peru is";

    public static TheoryData<string> Cases => new() { "qwen2-window", "qwen3-layer-types", "gemma", "gemma2-uncapped", "gemma2-capped", "phi3-partial", "olmo2" };

    private static (LanguageModel Lm, Expected E) Case(string name) => name switch
    {
        // Qwen2, untied, window on layers ≥ max_window_layers = 1; window 5 < prompt
        "qwen2-window" => (FamilyModels.Random("qwen2", c => { c["use_sliding_window"] = true; c["sliding_window"] = 5; c["max_window_layers"] = 1; c["num_key_value_heads"] = 2; }, ScalarType.Float64),
            new("pre", false, false, "none", [null, 5, 5], 1 / Math.Sqrt(8), null, null, 8, 1e6, 1e-6, false, false)),
        // Qwen3: per-head q/k norms, a local FIRST layer through layer_types
        "qwen3-layer-types" => (FamilyModels.Random("qwen3", c => { c["use_sliding_window"] = true; c["sliding_window"] = 4; c["num_key_value_heads"] = 1;
                c["layer_types"] = new JsonArray("sliding_attention", "full_attention", "full_attention"); }, ScalarType.Float64),
            new("pre", false, false, "head", [4, null, null], 1 / Math.Sqrt(8), null, null, 8, 1e6, 1e-6, false, false)),
        "gemma" => (FamilyModels.Random("gemma", null, ScalarType.Float64),
            new("pre", true, true, "none", [null, null, null], 1 / Math.Sqrt(8), null, null, 8, 1e4, 1e-6, false, true)),
        "gemma2-uncapped" => (FamilyModels.Random("gemma2", c => { c["attn_logit_softcapping"] = null; c["final_logit_softcapping"] = null; c["sliding_window"] = 6; c["head_dim"] = 12; c["query_pre_attn_scalar"] = 20; }, ScalarType.Float64),
            new("sandwich", true, true, "none", [6, null, 6], 1 / Math.Sqrt(20), null, null, 12, 1e4, 1e-6, false, true)),
        "gemma2-capped" => (FamilyModels.Random("gemma2", c => { c["attn_logit_softcapping"] = 1.5; c["final_logit_softcapping"] = 2.5; c["sliding_window"] = 3; c["num_key_value_heads"] = 2; }, ScalarType.Float64),
            new("sandwich", true, true, "none", [3, null, 3], 1 / Math.Sqrt(8), 1.5, 2.5, 8, 1e4, 1e-6, false, true)),
        "phi3-partial" => (FamilyModels.Random("phi3", c => { c["partial_rotary_factor"] = 0.5; c["sliding_window"] = 7; c["num_key_value_heads"] = 2; }, ScalarType.Float64),
            new("pre", false, false, "none", [7, 7, 7], 1 / Math.Sqrt(8), null, null, 4, 1e4, 1e-5, true, false)),
        "olmo2" => (FamilyModels.Random("olmo2", c => c["num_key_value_heads"] = 2, ScalarType.Float64),
            new("post", false, false, "whole", [null, null, null], 1 / Math.Sqrt(8), null, null, 8, 5e5, 1e-5, false, false)),
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(Cases))]
    public void LogitsEqualAPlainReimplementation(string name)
    {
        var (lm, e) = Case(name);
        using var _ = lm;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = lm.Tokenizer.Encode(Prompt).Ids;
        Assert.True(ids.Length > 12, "the prompt must be longer than every window");
        var actual = lm.Model.Forward(new ForwardInput { InputIds = ModelFolders.Ids(lm, Prompt) }).Logits!.select(0, 0);
        var expected = Reference(lm.Model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter), e, ids, lm.Model.NumLayers);
        double diff = (actual - expected).abs().max().item<double>();
        Assert.True(diff < 1e-9, $"{name}: logits differ from the reference by {diff:E2}");
    }

    // [T] ids → [T, V] logits, float64
    private static Tensor Reference(Dictionary<string, Tensor> p, Expected e, int[] ids, int layers)
    {
        Tensor W(string key) => p[key];
        Tensor? B(string key) => p.TryGetValue(key, out var b) ? b : null;
        Tensor Lin(Tensor x, string name) => B(name + ".bias") is { } b ? x.matmul(W(name + ".weight").t()) + b : x.matmul(W(name + ".weight").t());
        Tensor Norm(Tensor x, string name)
        {
            var xhat = x / (x.pow(2).mean([-1], keepdim: true) + e.Eps).sqrt();
            return e.OnePlus ? xhat * (1 + W(name + ".weight")) : xhat * W(name + ".weight");
        }
        int t = ids.Length;
        var embed = W("model.embed_tokens.weight");
        var x = embed.index_select(0, torch.tensor(ids.Select(i => (long)i).ToArray()));
        if (e.ScaleEmbedding) x = x * Math.Sqrt(embed.shape[1]);
        for (int l = 0; l < layers; l++)
        {
            string pre = $"model.layers.{l}.";
            var attnIn = e.Layout == "post" ? x : Norm(x, pre + "input_layernorm");
            var attn = Attention(attnIn, pre + "self_attn.", e, e.Windows[l], Lin, Norm);
            var mid = x + (e.Layout == "pre" ? attn : Norm(attn, pre + "post_attention_layernorm"));
            var mlpIn = e.Layout switch { "pre" => Norm(mid, pre + "post_attention_layernorm"), "sandwich" => Norm(mid, pre + "pre_feedforward_layernorm"), _ => mid };
            Tensor gate, up;
            if (e.Fused) { var gu = Lin(mlpIn, pre + "mlp.gate_up_proj"); long f = gu.shape[1] / 2; gate = gu[.., ..(int)f]; up = gu[.., (int)f..]; }
            else { gate = Lin(mlpIn, pre + "mlp.gate_proj"); up = Lin(mlpIn, pre + "mlp.up_proj"); }
            // gelu_pytorch_tanh written out; silu = g·σ(g)
            var act = e.Gelu ? 0.5 * gate * (1 + (Math.Sqrt(2 / Math.PI) * (gate + 0.044715 * gate.pow(3))).tanh()) : gate * gate.sigmoid();
            var mlp = Lin(act * up, pre + "mlp.down_proj");
            x = mid + (e.Layout == "pre" ? mlp : Norm(mlp, pre + "post_feedforward_layernorm"));
        }
        x = Norm(x, "model.norm");
        var logits = x.matmul((p.TryGetValue("lm_head.weight", out var head) ? head : embed).t());
        return e.FinalCap is { } c ? c * (logits / c).tanh() : logits;
    }

    private static Tensor Attention(Tensor x, string pre, Expected e, int? window, Func<Tensor, string, Tensor> lin, Func<Tensor, string, Tensor> norm)
    {
        long t = x.shape[0];
        Tensor q, k, v;
        if (e.Fused)
        {
            var qkv = lin(x, pre + "qkv_proj");
            long qw = 32, kvw = (qkv.shape[1] - qw) / 2; // the random models' d = 32 = heads · head_dim
            q = qkv[.., ..(int)qw]; k = qkv[.., (int)qw..(int)(qw + kvw)]; v = qkv[.., (int)(qw + kvw)..];
        }
        else { q = lin(x, pre + "q_proj"); k = lin(x, pre + "k_proj"); v = lin(x, pre + "v_proj"); }
        if (e.QkNorm == "whole") { q = norm(q, pre + "q_norm"); k = norm(k, pre + "k_norm"); }
        const int heads = 4; // FamilyModels' default
        long hd = q.shape[1] / heads;
        int kvHeads = (int)(k.shape[1] / hd);
        var outs = new List<Tensor>();
        for (int h = 0; h < heads; h++)
        {
            int g = h / (heads / kvHeads);                                   // the KV head serving query head h
            var qh = q[.., (int)(h * hd)..(int)((h + 1) * hd)];
            var kh = k[.., (int)(g * hd)..(int)((g + 1) * hd)];
            var vh = v[.., (int)(g * hd)..(int)((g + 1) * hd)];
            if (e.QkNorm == "head") { qh = norm(qh, pre + "q_norm"); kh = norm(kh, pre + "k_norm"); }
            qh = Rope(qh, e); kh = Rope(kh, e);
            var s = qh.matmul(kh.t()) * e.Scale;
            if (e.AttnCap is { } cap) s = cap * (s / cap).tanh();
            var mask = torch.zeros(t, t, dtype: ScalarType.Float64);
            for (int i = 0; i < t; i++)
                for (int j = 0; j < t; j++)
                    if (j > i || (window is { } w && i - j >= w)) mask[i, j] = double.NegativeInfinity;
            outs.Add((s + mask).softmax(-1).matmul(vh));
        }
        return lin(torch.cat(outs, 1), pre + "o_proj");
    }

    // rotate_half on the first RotaryDim features; angles position · θ^(−2i/r) formed in float32, as HF forms them
    private static Tensor Rope(Tensor x, Expected e)
    {
        long t = x.shape[0], r = e.RotaryDim, half = r / 2;
        var freq = torch.tensor(Enumerable.Range(0, (int)half).Select(i => 1f / (float)Math.Pow(e.Theta, (float)(2 * i) / r)).ToArray()).unsqueeze(0);
        var ang = (torch.arange(t, dtype: ScalarType.Float32).unsqueeze(1) * freq).to(ScalarType.Float64);
        Tensor cos = ang.cos(), sin = ang.sin();
        var x1 = x[.., ..(int)half]; var x2 = x[.., (int)half..(int)r];
        var rotated = torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], 1);
        return r == x.shape[1] ? rotated : torch.cat([rotated, x[.., (int)r..]], 1);
    }
}
