using System.Security.Cryptography;
using Relens.Checkpoints;
using Relens.Quantization;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>A loaded checkpoint: tokenizer + transformer with hook points, plus what prompts need to know.</summary>
public sealed class LanguageModel : IDisposable
{
    public LanguageModel(TransformerLM model, ITokenizer tokenizer, ModelConfig config, string directory, QuantizeOptions? quantization = null)
    {
        Quantization = quantization;
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
    /// <summary>How the weights were quantised at load, or null (as stored).</summary>
    public QuantizeOptions? Quantization { get; private set; }

    /// <summary>Quantises a model already in memory (see <see cref="ModelQuantizer.Apply"/>); once only.</summary>
    public void Quantize(QuantizeOptions options)
    {
        if (Quantization is not null) throw new InvalidOperationException($"the model is already quantised ({Quantization.Describe()})");
        ModelQuantizer.Apply(Model, options);
        Quantization = options;
    }

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
    /// on a model that decodes residual vectors the same way. (Block weights quantised at load leave it unchanged:
    /// RunInfo records the scheme, and a resumed run must use the same.)</summary>
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

    /// <summary>
    /// Loads a Hugging Face model folder (config.json, safetensors, tokenizer.json). <paramref name="dtype"/> is
    /// both the parameters' and the computation's dtype (float32, float16, bfloat16 or float64); checkpoint
    /// tensors of any of F32/F16/BF16 are converted one at a time as they are copied in. Softmax, norms and
    /// rotary angles run in float32 at least whatever the dtype.
    /// Refuses (<see cref="RelensException"/>) before building anything when the model will not fit in memory.
    /// With <paramref name="quantization"/> the blocks' linear weights are packed as they are read (see
    /// <see cref="ModelQuantizer"/>), and the memory check counts their packed size.
    /// </summary>
    public static LanguageModel Load(string directory, ScalarType dtype = ScalarType.Float32, QuantizeOptions? quantization = null)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64))
            throw new RelensException($"cannot run a model in {dtype}: choose float32, float16, bfloat16 or float64");
        directory = Path.GetFullPath(directory);
        var config = ModelConfig.Load(directory);
        var architecture = ModelRegistry.Get(config);
        // From config.json alone: no tokenizer, weights or module yet.
        if (quantization is not null) CheckQuantizable(architecture, config, quantization);
        MemoryEstimate.For(architecture, config, dtype, quantization).EnsureFits(directory);
        var tokenizer = TokenizerLoader.FromDirectory(directory);
        // the float-size check of OpenForLoading would refuse what fits packed: the estimate above counted that
        using var checkpoint = quantization is null ? CheckpointLoader.OpenForLoading(directory, dtype) : CheckpointLoader.Open(directory);
        // a packed weight is quantised straight from the tensor just read and its parameter freed unwritten (torch.empty
        // storage is committed only when written): the float copies of the packed weights never exist at once
        var model = architecture.Create(config, dtype);
        try
        {
            if (quantization is null) WeightLoader.Load(model, architecture, checkpoint);
            else
            {
                var targets = ModelQuantizer.Targets(model).ToDictionary(t => t.Name, t => t.Layer);
                WeightLoader.Load(model, architecture, checkpoint, (name, tensor) =>
                {
                    if (!targets.TryGetValue(name, out var layer)) return false;
                    layer.Pack(quantization.Scheme, name, tensor);
                    // the read buffer and the quantisation temporaries are freed heap: without a trim each weight's
                    // would stay resident and the peak would be the float model's after all
                    Runtime.NativeHeap.Trim();
                    return true;
                });
                if (quantization.Embeddings) ModelQuantizer.QuantizeEmbeddings(model, quantization.Scheme);
            }
        }
        catch { model.Dispose(); throw; }
        return new LanguageModel(model, tokenizer, config, directory, quantization);
    }

    /// <summary>The group-size check on the meta-device structure: fails before a byte of weights is read.</summary>
    private static void CheckQuantizable(IArchitecture architecture, ModelConfig config, QuantizeOptions quantization)
    {
        using var scope = torch.NewDisposeScope();
        using var meta = architecture.Create(config, ScalarType.Float32, torch.META);
        try { ModelQuantizer.Check(meta, quantization); }
        catch (RelensException e) { throw new RelensException($"{config.Path}: {e.Message}") { Path = config.Path }; }
    }

    public void Dispose() => Model.Dispose();
}
