using Relens.Evaluation.Records;
using Relens.Reporting;
using Relens.Web.Api;

namespace Relens.Web;

/// <summary>
/// Read access to a run folder for the API. summary.json and results.jsonl are re-read when they change
/// on disk, so the viewer can watch a run that is still going; between changes requests share one copy.
/// Relations are looked up by name in the summary, never by turning a URL into a path.
/// </summary>
public sealed class RunResults
{
    private readonly Cached<RunSummary> _summary;
    private readonly Cached<ILookup<string, SweepRecord>> _records;

    public RunResults(string directory)
    {
        Folder = new RunFolder(directory);
        if (!Directory.Exists(Folder.Directory)) throw new RelensException($"{Folder.Directory}: no such results folder");
        Info = Folder.LoadInfo();
        _summary = new Cached<RunSummary>(Folder.SummaryPath, Folder.LoadSummary);
        _records = new Cached<ILookup<string, SweepRecord>>(Folder.ResultsPath, () => Folder.LoadRecords().ToLookup(r => r.Relation));
    }

    public RunFolder Folder { get; }
    public RunInfo Info { get; }

    public RunSummary Summary()
    {
        if (!File.Exists(Folder.SummaryPath))
            throw new ApiException(StatusCodes.Status503ServiceUnavailable,
                "this run has no summary.json yet (run `relens report --results DIR` to summarise it)");
        return ServerSide(_summary.Get);
    }

    /// <summary>The relation whose name, or file-name stem, is <paramref name="nameOrStem"/>.</summary>
    public RelationSummary Relation(string nameOrStem) =>
        Summary().Relations.FirstOrDefault(r => r.Relation == nameOrStem)
        ?? Summary().Relations.FirstOrDefault(r => RunFolder.Stem(r.Relation) == nameOrStem)
        ?? throw ApiException.NotFound($"unknown relation '{nameOrStem}' (GET /api/relations lists them)");

    /// <summary>The relation's sweep records; empty when results.jsonl is absent.</summary>
    public IEnumerable<SweepRecord> Records(string relation) => File.Exists(Folder.ResultsPath) ? ServerSide(_records.Get)[relation] : [];

    /// <summary>A damaged file in the run folder is the server's problem, not the request's: 500, with Relens's message.</summary>
    private static T ServerSide<T>(Func<T> read)
    {
        try { return read(); }
        catch (RelensException e) { throw new ApiException(StatusCodes.Status500InternalServerError, e.Message); }
    }

    /// <summary>A value computed from a file, recomputed when the file's size or time changes.</summary>
    private sealed class Cached<T>(string path, Func<T> load) where T : class
    {
        private readonly Lock _gate = new();
        private (DateTime Time, long Length) _stamp;
        private T? _value;

        public T Get()
        {
            var info = new FileInfo(path);
            var stamp = (info.LastWriteTimeUtc, info.Exists ? info.Length : -1);
            lock (_gate)
            {
                if (_value is null || stamp != _stamp) { _value = load(); _stamp = stamp; }
                return _value;
            }
        }
    }
}
