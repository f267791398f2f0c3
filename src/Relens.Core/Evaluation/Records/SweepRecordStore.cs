using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Relens.Evaluation.Records;

/// <summary>
/// An append-only JSONL file of <see cref="SweepRecord"/>s that makes sweeps resumable: open it,
/// skip every key it <see cref="Has"/>, <see cref="Append"/> each new value as soon as it is known.
/// Each record is written as one line and flushed to the operating system at once, so killing the
/// process loses at most the line being written; <see cref="Open"/> drops such a torn last line.
/// (Records are not fsync'ed: a power cut may lose the last few, which a resume recomputes.)
/// Only one store at a time may hold a file, in this process or another, so two sweeps cannot
/// interleave lines in one file; readers (cat, File.ReadAllText, a plotting script) are not blocked.
/// </summary>
public sealed class SweepRecordStore : IDisposable
{
    private readonly FileStream _stream;
    private readonly List<SweepRecord> _records;
    private readonly Dictionary<SweepKey, int> _index;
    private readonly object _gate = new();
    private int _disposed;

    // Cross-process exclusion: a byte-range lock far beyond any real data, so it never hinders
    // readers (on Windows a locked range is unreadable; on Linux it is an advisory fcntl lock).
    // fcntl locks do not conflict within one process, hence also the set of paths open here.
    private const long SentinelLockOffset = 1L << 62;
    private static readonly ConcurrentDictionary<string, byte> OpenHere = new();

    private SweepRecordStore(string path, FileStream stream, List<SweepRecord> records, Dictionary<SweepKey, int> index, bool dropped)
    {
        FilePath = path;
        _stream = stream;
        _records = records;
        _index = index;
        DroppedTornLine = dropped;
    }

    /// <summary>The JSONL file.</summary>
    public string FilePath { get; }

    /// <summary>True if <see cref="Open"/> found an incomplete or unreadable last line and removed it.</summary>
    public bool DroppedTornLine { get; }

    /// <summary>All records, in file order.</summary>
    public IReadOnlyList<SweepRecord> Records
    {
        get { lock (_gate) return _records.ToArray(); }
    }

    public int Count
    {
        get { lock (_gate) return _records.Count; }
    }

    /// <summary>
    /// Opens (creating if needed, with its folder) the store at <paramref name="path"/> and loads its
    /// records. A last line that is unterminated or unreadable is the trace of a kill mid-write: it
    /// is dropped and cut from the file so the next append starts on a clean line. An unreadable line
    /// anywhere else, or a key stored twice, is a <see cref="RelensException"/> naming file and line.
    /// </summary>
    public static SweepRecordStore Open(string path)
    {
        path = Path.GetFullPath(path);
        if (Path.GetDirectoryName(path) is { } dir) Directory.CreateDirectory(dir);
        if (!OpenHere.TryAdd(path, 0))
            throw RelensException.InFile(path, "the sweep record file is already open in this process");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            OpenHere.TryRemove(path, out _);
            throw RelensException.InFile(path, $"cannot open the sweep record file: {e.Message}");
        }
        try
        {
            // macOS has no FileStream.Lock; only the in-process check applies there.
            if (!OperatingSystem.IsMacOS()) stream.Lock(SentinelLockOffset, 1);
        }
        catch (IOException)
        {
            stream.Dispose();
            OpenHere.TryRemove(path, out _);
            throw RelensException.InFile(path, "the sweep record file is in use by another process (is another sweep writing it?)");
        }

        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var (records, index, goodLength) = ParseAll(path, bytes);
            bool dropped = goodLength < bytes.Length;
            if (dropped) stream.SetLength(goodLength);
            stream.Seek(0, SeekOrigin.End);
            return new SweepRecordStore(path, stream, records, index, dropped);
        }
        catch
        {
            stream.Dispose();
            OpenHere.TryRemove(path, out _);
            throw;
        }
    }

    public bool Has(SweepKey key)
    {
        lock (_gate) return _index.ContainsKey(key);
    }

    public bool TryGet(SweepKey key, [NotNullWhen(true)] out SweepRecord? record)
    {
        lock (_gate)
        {
            record = _index.TryGetValue(key, out int i) ? _records[i] : null;
            return record is not null;
        }
    }

    /// <summary>Writes the record as one line and flushes it. A key already stored is a bug in the
    /// caller (it should have checked <see cref="Has"/>) and throws <see cref="InvalidOperationException"/>.</summary>
    public void Append(SweepRecord record)
    {
        if (!AppendIfAbsent(record))
            throw new InvalidOperationException($"{FilePath}: a record for {record.Key} is already stored");
    }

    /// <summary>Appends the record unless its key is already stored; returns whether it was written.</summary>
    public bool AppendIfAbsent(SweepRecord record)
    {
        var json = SweepRecordJson.Serialize(record);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        lock (_gate)
        {
            if (_index.ContainsKey(record.Key)) return false;
            _stream.Write(line); // one write per line: a kill leaves at most this line torn
            _stream.Flush();
            _index[record.Key] = _records.Count;
            _records.Add(record);
            return true;
        }
    }

    /// <summary>Writes all records to a CSV file (see <see cref="SweepRecordCsv"/>).</summary>
    public void ExportCsv(string csvPath) => SweepRecordCsv.Write(Records, csvPath);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stream.Dispose(); // closing the handle releases the sentinel lock
        OpenHere.TryRemove(FilePath, out _);
    }

    private static (List<SweepRecord>, Dictionary<SweepKey, int>, long GoodLength) ParseAll(string path, byte[] bytes)
    {
        var records = new List<SweepRecord>();
        var index = new Dictionary<SweepKey, int>();
        var lineOfRecord = new List<int>();
        long goodLength = 0;
        int lineNo = 0;
        for (int pos = 0; pos < bytes.Length;)
        {
            lineNo++;
            int nl = Array.IndexOf(bytes, (byte)'\n', pos);
            bool terminated = nl >= 0;
            int end = terminated ? nl : bytes.Length;
            var line = bytes.AsSpan(pos, end - pos);
            int next = terminated ? nl + 1 : bytes.Length;
            bool isLast = bytes.AsSpan(next).TrimStart(" \t\r\n"u8).IsEmpty;

            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                if (terminated) goodLength = next;
                pos = next;
                continue;
            }
            SweepRecord record;
            try
            {
                if (!terminated) throw new FormatException("line is incomplete");
                record = SweepRecordJson.Parse(line);
            }
            catch (FormatException e)
            {
                if (isLast) break; // torn by a kill mid-write: drop it
                throw RelensException.InFile(path, $"line {lineNo}: {e.Message}");
            }
            if (index.TryGetValue(record.Key, out int first))
                throw RelensException.InFile(path, $"line {lineNo} repeats the record of line {lineOfRecord[first]} ({record.Key})");
            index[record.Key] = records.Count;
            records.Add(record);
            lineOfRecord.Add(lineNo);
            goodLength = next;
            pos = next;
        }
        return (records, index, goodLength);
    }
}
