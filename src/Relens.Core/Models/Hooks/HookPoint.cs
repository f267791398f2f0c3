using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models.Hooks;

/// <summary>
/// An identity point on one activation (TransformerLens's HookPoint). Code reads, replaces or adds to
/// the activation by registering a function; with no function registered it costs nothing.
/// </summary>
public sealed class HookPoint
{
    private readonly List<Func<Tensor, Tensor>> _hooks = new();

    public HookPoint(string name) => Name = name;

    /// <summary>Canonical name, e.g. "blocks.3.hook_resid_post".</summary>
    public string Name { get; }

    public bool IsActive => _hooks.Count > 0;

    /// <summary>Registers <paramref name="hook"/>: it receives the activation and returns what flows on
    /// (the same tensor to only read it). Dispose the result to remove the hook.</summary>
    public IDisposable Add(Func<Tensor, Tensor> hook)
    {
        lock (_hooks) _hooks.Add(hook);
        return new Removal(() => { lock (_hooks) _hooks.Remove(hook); });
    }

    /// <summary>Called by the model on the activation; returns the (possibly replaced) activation.</summary>
    public Tensor Run(Tensor activation)
    {
        if (_hooks.Count == 0) return activation;
        Func<Tensor, Tensor>[] hooks;
        lock (_hooks) hooks = _hooks.ToArray();
        foreach (var hook in hooks) activation = hook(activation);
        return activation;
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        private Action? _remove = remove;
        public void Dispose() { _remove?.Invoke(); _remove = null; }
    }
}
