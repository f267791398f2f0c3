using Relens.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>Copies checkpoint tensors into a freshly built model, strictly: every parameter must be found
/// with the right shape, and every checkpoint key must be used or known to be ignorable.</summary>
public static class WeightLoader
{
    /// <param name="consume">Offered each tensor as read (in the parameter's dtype) before it is copied in; returning true
    /// means it was used otherwise (packed) and the parameter is left untouched — its storage never committed.</param>
    public static void Load(TransformerLM model, IArchitecture architecture, ICheckpoint checkpoint, Func<string, Tensor, bool>? consume = null)
    {
        // Resolve and check every parameter first, so a wrong checkpoint fails before gigabytes are read.
        var plan = new List<(string Name, Parameter Parameter, TensorEntry Entry)>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            string? key = architecture.CheckpointKeys(name).FirstOrDefault(checkpoint.Contains);
            if (key is null)
                throw new RelensException($"{checkpoint.Directory}: checkpoint has no tensor for parameter '{name}' " +
                    $"(looked for {string.Join(", ", architecture.CheckpointKeys(name).Select(k => $"'{k}'"))})") { Path = checkpoint.Directory };
            var entry = checkpoint.Entry(key);
            if (!entry.Shape.SequenceEqual(parameter.shape))
                throw RelensException.InFile(entry.File, $"tensor '{key}' has shape [{string.Join(", ", entry.Shape)}] but config.json implies [{string.Join(", ", parameter.shape)}]");
            plan.Add((name, parameter, entry));
        }
        var used = plan.Select(p => p.Entry.Name).ToHashSet();
        var unexpected = checkpoint.TensorNames.Where(k => !used.Contains(k) && !architecture.IsIgnoredKey(k)).ToList();
        if (unexpected.Count > 0)
            throw new RelensException($"{checkpoint.Directory}: checkpoint has {unexpected.Count} tensor(s) the '{model.GetName()}' architecture does not use, e.g. " +
                string.Join(", ", unexpected.Take(5).Select(k => $"'{k}'")) + " — is model_type right?") { Path = checkpoint.Directory };

        // Shard by shard, front to back: sequential reads, each shard's pages touched once. Each tensor is
        // read (and converted) alone and copied into its parameter, so only one tensor is ever held twice.
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter, entry) in plan.OrderBy(p => p.Entry.File, StringComparer.Ordinal).ThenBy(p => p.Entry.Begin))
        {
            using var scope = torch.NewDisposeScope();
            var tensor = checkpoint.Load(entry.Name, parameter.dtype);
            if (consume is null || !consume(name, tensor)) parameter.copy_(tensor);
        }
    }
}
