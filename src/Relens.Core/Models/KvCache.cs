using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Models;

/// <summary>
/// Keys and values of a processed prefix, per layer ([B, heads_kv, P, head_dim]), plus the prefix's
/// padding mask. Run the prefix once, then any number of suffixes against it. The tensors are owned by
/// this object (detached from dispose scopes) and freed by <see cref="Dispose"/>.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    public KvCache(int layers) { _keys = new Tensor?[layers]; _values = new Tensor?[layers]; }

    public int Layers => _keys.Length;

    /// <summary>Number of cached positions (P).</summary>
    public long Length => _keys.FirstOrDefault(k => k is not null)?.shape[2] ?? 0;

    public long BatchSize => _keys.FirstOrDefault(k => k is not null)?.shape[0] ?? 0;

    /// <summary>[B, P] 1 for real tokens, 0 for padding; null means every cached position is real.</summary>
    public Tensor? PaddingMask { get; private set; }

    public (Tensor Key, Tensor Value)? Get(int layer) =>
        _keys[layer] is { } k ? (k, _values[layer]!) : null;

    internal void Set(int layer, Tensor key, Tensor value)
    {
        _keys[layer]?.Dispose(); _values[layer]?.Dispose();
        _keys[layer] = key.detach().DetachFromDisposeScope();
        _values[layer] = value.detach().DetachFromDisposeScope();
    }

    internal void SetPaddingMask(Tensor? mask)
    {
        PaddingMask?.Dispose();
        PaddingMask = mask?.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>
    /// A view of this cache repeated <paramref name="batch"/> times along the batch dimension (expand:
    /// no copy). Only valid for a cache of batch size 1; the view shares storage with this cache.
    /// </summary>
    public KvCache Repeat(long batch)
    {
        if (BatchSize != 1) throw new InvalidOperationException("only a single-prompt cache can be repeated");
        var r = new KvCache(Layers);
        for (int l = 0; l < Layers; l++)
            if (_keys[l] is { } k)
            {
                r._keys[l] = k.expand(batch, -1, -1, -1).DetachFromDisposeScope();
                r._values[l] = _values[l]!.expand(batch, -1, -1, -1).DetachFromDisposeScope();
            }
        if (PaddingMask is { } m) r.PaddingMask = m.expand(batch, -1).DetachFromDisposeScope();
        return r;
    }

    public void Dispose()
    {
        for (int l = 0; l < Layers; l++) { _keys[l]?.Dispose(); _values[l]?.Dispose(); _keys[l] = _values[l] = null; }
        PaddingMask?.Dispose(); PaddingMask = null;
    }
}
