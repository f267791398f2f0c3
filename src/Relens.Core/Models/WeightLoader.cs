using Relens.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>Copies checkpoint tensors into a freshly built model, strictly: every parameter must be found
/// with the right shape, and every checkpoint key must be used or known to be ignorable.</summary>
public static class WeightLoader
{
    /// <param name="loaded">Called with each parameter's name right after it is filled (e.g. to pack it), so a
    /// quantised model never holds more than one float weight beyond what stays float.</param>
    public static void Load(TransformerLM model, IArchitecture architecture, ICheckpoint checkpoint, Action<string>? loaded = null)
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
            using (var scope = torch.NewDisposeScope()) parameter.copy_(checkpoint.Load(entry.Name, parameter.dtype));
            loaded?.Invoke(name);
        }
    }
}
