namespace Relens.Models.Hooks;

/// <summary>The hook points of one transformer block, created from the block index so names are never typed twice.</summary>
public sealed class BlockHooks
{
    public BlockHooks(int layer)
    {
        ResidPre = new HookPoint(HookNames.ResidPre(layer));
        ResidMid = new HookPoint(HookNames.ResidMid(layer));
        ResidPost = new HookPoint(HookNames.ResidPost(layer));
        AttnOut = new HookPoint(HookNames.AttnOut(layer));
        MlpOut = new HookPoint(HookNames.MlpOut(layer));
        MlpPost = new HookPoint(HookNames.MlpPost(layer));
    }

    public HookPoint ResidPre { get; }
    /// <summary>After the attention residual add. Parallel-residual blocks (GPT-J, NeoX) have no such point and never run it.</summary>
    public HookPoint ResidMid { get; }
    public HookPoint ResidPost { get; }
    public HookPoint AttnOut { get; }
    public HookPoint MlpOut { get; }
    /// <summary>The MLP's hidden activation (input of its output projection). Run by GPT-2 and LLaMA-family blocks only.</summary>
    public HookPoint MlpPost { get; }

    public IEnumerable<HookPoint> All => [ResidPre, AttnOut, ResidMid, MlpPost, MlpOut, ResidPost];
}
