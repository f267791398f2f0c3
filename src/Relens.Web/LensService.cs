using Relens.Lens;
using Relens.Lre;
using Relens.Models;
using Relens.Web.Api;

namespace Relens.Web;

public sealed record LensResponse(string Lre, LensResult Result);

/// <summary>
/// Runs the attribute lens for requests on the one model the server holds. Lens runs are serialised:
/// <see cref="AttributeLens"/> captures activations with hooks registered on the shared modules, and a hook
/// fires for every forward pass, so two concurrent runs would record each other's states. On a CPU the
/// forward pass already uses every core, so serialising costs little throughput. The tokenizer and the
/// LRE cache are also touched only under the same gate.
/// </summary>
public sealed class LensService : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly LanguageModel? _lm;
    private readonly LreCatalog _catalog;
    private readonly RunResults _run;
    private readonly WebServerOptions _options;
    private readonly LinkedList<(string Name, LinearRelation Lre)> _cache = new();   // most recently used first

    private LensService(RunResults run, WebServerOptions options, LanguageModel? lm, string? modelProblem)
    {
        _run = run;
        _options = options;
        _lm = lm;
        ModelProblem = modelProblem;
        // Identity hashes the unembedding once here, not inside a request.
        ModelIdentity = lm?.Identity;
        _catalog = new LreCatalog(run.Folder, ModelIdentity);
    }

    public string? ModelDirectory { get; private init; }
    public string? ModelIdentity { get; }
    /// <summary>Why there is no model (the lens answers 503 with this), or null.</summary>
    public string? ModelProblem { get; }
    public LreCatalog Lres => _catalog;
    public LanguageModel? Model => _lm;

    /// <summary>
    /// Loads --model, or else run.json's model_directory. A missing --model is an error; a run.json model that
    /// is no longer there only disables the lens, so results copied to another machine can still be browsed.
    /// </summary>
    public static LensService Open(RunResults run, WebServerOptions options)
    {
        if (options.ModelDirectory is { } explicitDir)
        {
            var dir = Path.GetFullPath(explicitDir);
            if (!Directory.Exists(dir)) throw new RelensException($"--model {dir}: no such folder");
            return new LensService(run, options, Load(dir, run, options), null) { ModelDirectory = dir };
        }
        var fromRun = run.Info.ModelDirectory;
        if (!Directory.Exists(fromRun))
            return new LensService(run, options, null,
                $"the run's model folder {fromRun} does not exist here; restart with --model DIR to use the lens") { ModelDirectory = fromRun };
        return new LensService(run, options, Load(fromRun, run, options), null) { ModelDirectory = fromRun };
    }

    /// <summary>--quantize, or else the run's own quantisation (a q4_0 run's LREs belong to the q4_0 weights).</summary>
    private static LanguageModel Load(string dir, RunResults run, WebServerOptions options) =>
        LanguageModel.Load(dir, quantization: options.Quantization
            ?? (run.Info.Quantization is { } q ? Relens.Quantization.QuantizeOptions.FromDescription(q) : null));

    public async Task<LensResponse> RunAsync(LensRequest request, CancellationToken cancel)
    {
        var lm = _lm ?? throw new ApiException(StatusCodes.Status503ServiceUnavailable, ModelProblem ?? "no model is loaded");
        string? lreName = request.IsIdentity ? null : _catalog.Resolve(request.Lre!);
        await _gate.WaitAsync(cancel);
        try
        {
            int tokens = lm.Tokenizer.Encode(request.Prompt!).Count;
            if (tokens > _options.MaxPromptTokens)
                throw ApiException.BadRequest($"the prompt has {tokens} tokens; the lens shows at most {_options.MaxPromptTokens}");
            var op = lreName is null ? null : CachedLre(lm, lreName);
            return new LensResponse(lreName ?? LensRequest.Identity, AttributeLens.Run(lm, request.Prompt!, op, request.TopOrDefault));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs other hook-using work on the model (the trace view) under the lens's gate, one request at a time.</summary>
    public async Task<T> WithModelAsync<T>(Func<LanguageModel, T> work, CancellationToken cancel)
    {
        var lm = _lm ?? throw new ApiException(StatusCodes.Status503ServiceUnavailable, ModelProblem ?? "no model is loaded");
        await _gate.WaitAsync(cancel);
        try { return work(lm); }
        finally { _gate.Release(); }
    }

    // Only called under _gate.
    private LinearRelation CachedLre(LanguageModel lm, string name)
    {
        for (var node = _cache.First; node is not null; node = node.Next)
        {
            if (node.Value.Name != name) continue;
            _cache.Remove(node);
            _cache.AddFirst(node);
            return node.Value.Lre;
        }
        var lre = _run.Folder.LoadLre(name, lm);   // checks the LRE was estimated on this model
        _cache.AddFirst((name, lre));
        while (_cache.Count > Math.Max(1, _options.LreCacheSize))
        {
            _cache.Last!.Value.Lre.Dispose();
            _cache.RemoveLast();
        }
        return lre;
    }

    public void Dispose()
    {
        foreach (var (_, lre) in _cache) lre.Dispose();
        _cache.Clear();
        _lm?.Dispose();
        _gate.Dispose();
    }
}
