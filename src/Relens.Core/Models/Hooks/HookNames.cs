namespace Relens.Models.Hooks;

/// <summary>
/// TransformerLens-style hook names. Layer ℓ in the LRE sense (the output of block ℓ, HF's
/// hidden_states[ℓ+1]) is <see cref="ResidPost"/>(ℓ); "emb" is <see cref="Embed"/> (token embedding only,
/// without GPT-2's position embedding).
/// </summary>
public static class HookNames
{
    public const string Embed = "hook_embed";
    public const string LnFinal = "ln_final";
    public static string ResidPre(int layer) => $"blocks.{layer}.hook_resid_pre";
    public static string ResidMid(int layer) => $"blocks.{layer}.hook_resid_mid";
    public static string ResidPost(int layer) => $"blocks.{layer}.hook_resid_post";
    public static string AttnOut(int layer) => $"blocks.{layer}.hook_attn_out";
    public static string MlpOut(int layer) => $"blocks.{layer}.hook_mlp_out";
    /// <summary>The MLP's hidden activation, the input of its output projection (ROME's key k).</summary>
    public static string MlpPost(int layer) => $"blocks.{layer}.mlp.hook_post";
}
