using System.Security.Cryptography;
using Relens.Checkpoints;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>A loaded checkpoint: tokenizer + transformer with hook points, plus what prompts need to know.</summary>
public sealed class LanguageModel : IDisposable
{
    public LanguageModel(TransformerLM model, ITokenizer tokenizer, ModelConfig config, string directory)
    {
        Model = model;
        Tokenizer = tokenizer;
        Config = config;
        Directory = directory;
        Model.eval();
        // Inference only: no parameter needs a gradient, so backward passes (the LRE's Jacobians) skip weight gradients.
        foreach (var p in Model.parameters()) p.requires_grad = false;
    }

    public TransformerLM Model { get; }
    public ITokenizer Tokenizer { get; }
    public ModelConfig Config { get; }
    public string Directory { get; }
    public string ModelType => Config.ModelType;

    /// <summary>What the paper prepends to prompts: GPT-style models get the EOS text (no space after it);
    /// models whose tokenizer adds BOS itself (LLaMA) get nothing.</summary>
    public string PromptPrefix => AddsBos ? "" : Tokenizer.EosToken ?? "";

    public bool AddsBos
    {
        get
        {
            var ids = Tokenizer.Encode("a", addSpecialTokens: true).Ids;
            return Tokenizer.BosTokenId is { } bos && ids.Length > 0 && ids[0] == bos;
        }
    }

    private string? _identity;

    /// <summary>SHA-256 (hex, 16 chars) of the final norm and unembedding: a saved LRE is only meaningful
    /// on a model that decodes residual vectors the same way.</summary>
    public string Identity => _identity ??= ComputeIdentity();

    private string ComputeIdentity()
    {
        using var scope = torch.NewDisposeScope();
        using var sha = SHA256.Create();
        foreach (var p in Model.DecoderParameters())
        {
            var bytes = p.detach().to(ScalarType.Float32).contiguous().data<float>().ToArray();
            var buffer = new byte[bytes.Length * 4];
            Buffer.BlockCopy(bytes, 0, buffer, 0, buffer.Length);
            sha.TransformBlock(buffer, 0, buffer.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!)[..16].ToLowerInvariant();
    }

    /// <summary>Loads a Hugging Face model folder (config.json, safetensors, tokenizer.json) into <paramref name="dtype"/>.</summary>
    public static LanguageModel Load(string directory, ScalarType dtype = ScalarType.Float32)
    {
        directory = Path.GetFullPath(directory);
        var config = ModelConfig.Load(directory);
        var architecture = ModelRegistry.Get(config);
        var tokenizer = TokenizerLoader.FromDirectory(directory);
        using var checkpoint = CheckpointLoader.OpenForLoading(directory, dtype);
        var model = architecture.Create(config, dtype);
        WeightLoader.Load(model, architecture, checkpoint);
        return new LanguageModel(model, tokenizer, config, directory);
    }

    public void Dispose() => Model.Dispose();
}
