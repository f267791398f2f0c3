using Relens.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>Copies checkpoint tensors into a freshly built model, strictly: every parameter must be found
/// with the right shape, and every checkpoint key must be used or known to be ignorable.</summary>
public static class WeightLoader
{
    public static void Load(TransformerLM model, IArchitecture architecture, ICheckpoint checkpoint)
    {
        var used = new HashSet<string>();
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            string? key = architecture.CheckpointKeys(name).FirstOrDefault(checkpoint.Contains);
            if (key is null)
                throw new RelensException($"{checkpoint.Directory}: checkpoint has no tensor for parameter '{name}' " +
                    $"(looked for {string.Join(", ", architecture.CheckpointKeys(name).Select(k => $"'{k}'"))})") { Path = checkpoint.Directory };
            var entry = checkpoint.Entry(key);
            if (!entry.Shape.SequenceEqual(parameter.shape))
                throw RelensException.InFile(entry.File, $"tensor '{key}' has shape [{string.Join(", ", entry.Shape)}] but config.json implies [{string.Join(", ", parameter.shape)}]");
            using var scope = torch.NewDisposeScope();
            parameter.copy_(checkpoint.Load(key, parameter.dtype));
            used.Add(key);
        }
        var unexpected = checkpoint.TensorNames.Where(k => !used.Contains(k) && !architecture.IsIgnoredKey(k)).ToList();
        if (unexpected.Count > 0)
            throw new RelensException($"{checkpoint.Directory}: checkpoint has {unexpected.Count} tensor(s) the '{model.GetName()}' architecture does not use, e.g. " +
                string.Join(", ", unexpected.Take(5).Select(k => $"'{k}'")) + " — is model_type right?") { Path = checkpoint.Directory };
    }
}
