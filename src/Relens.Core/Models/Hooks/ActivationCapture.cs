using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models.Hooks;

/// <summary>
/// Records activations at named hook points during forward passes (baukit's TraceDict, retain_output).
/// Captured tensors are detached copies owned by this object — outside any dispose scope — and freed
/// when it is disposed, which also removes the hooks.
/// </summary>
public sealed class ActivationCapture : IDisposable
{
    private readonly List<IDisposable> _registrations = new();
    private readonly Dictionary<string, Tensor> _values = new();

    public ActivationCapture(IReadOnlyDictionary<string, HookPoint> hookPoints, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (!hookPoints.TryGetValue(name, out var point))
                throw new ArgumentException($"no hook point '{name}'");
            _registrations.Add(point.Add(act =>
            {
                var copy = act.detach().clone().DetachFromDisposeScope();
                if (_values.Remove(name, out var old)) old.Dispose();
                _values[name] = copy;
                return act;
            }));
        }
    }

    /// <summary>The activation recorded at <paramref name="name"/> by the last forward pass. Owned by this capture.</summary>
    public Tensor this[string name] => _values.TryGetValue(name, out var t) ? t
        : throw new InvalidOperationException($"nothing captured at '{name}' (did the forward pass reach it?)");

    public bool Has(string name) => _values.ContainsKey(name);

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        foreach (var t in _values.Values) t.Dispose();
        _values.Clear();
    }
}
