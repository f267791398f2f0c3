using System.Text;
using Relens.Evaluation.Records;
using Relens.Models;

namespace Relens.Tests.Relations.Records;

public class SweepRecordStoreTests
{
    private static string NewFile(string tag) => Path.Combine(TestPaths.NewTempDir(tag), "sweep.jsonl");

    [Fact]
    public void RecordsRoundTripThroughTheFile()
    {
        string path = NewFile("records-roundtrip");
        SweepRecord[] written =
        [
            new("country capital city", 0, LayerRef.Embedding, "recall@1", 0.25, Beta: 2.25),
            new("country capital city", 0, LayerRef.At(7), "causality@1", 1.0 / 3, Rank: 64),
            new("country capital city", 1, null, "n_known", 16, Note: "train: Bogotá, \"Peru\"\nline"),
            new("country capital city", 1, LayerRef.At(3), "hit", double.NaN, Subject: "Côte d'Ivoire"),
            new("x", 2, LayerRef.At(0), "recall@1", 0.1 + 0.2, Beta: 5.0 / 20 * 7),
        ];
        using (var store = SweepRecordStore.Open(path))
            foreach (var r in written) store.Append(r);

        using var reopened = SweepRecordStore.Open(path);
        Assert.False(reopened.DroppedTornLine);
        Assert.Equal(written, reopened.Records);
        Assert.All(written, r => Assert.True(reopened.Has(r.Key)));
        Assert.False(reopened.Has(written[0].Key with { Beta = 2.5 }));
        Assert.Contains("\"layer\":\"emb\"", File.ReadAllText(path));
        Assert.Contains("\"layer\":7", File.ReadAllText(path));
    }

    [Fact]
    public void DuplicateKeysAreRefused()
    {
        using var store = SweepRecordStore.Open(NewFile("records-dup"));
        var r = new SweepRecord("r", 0, LayerRef.At(1), "recall@1", 0.5, Beta: 1.0);
        store.Append(r);
        Assert.Throws<InvalidOperationException>(() => store.Append(r with { Value = 0.7 }));
        Assert.False(store.AppendIfAbsent(r with { Value = 0.7 }));
        Assert.True(store.TryGet(r.Key, out var stored));
        Assert.Equal(0.5, stored.Value);
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void TornLastLineIsDroppedAndCutFromTheFile()
    {
        string path = NewFile("records-torn");
        using (var store = SweepRecordStore.Open(path))
            for (int i = 0; i < 3; i++) store.Append(new SweepRecord("r", i, LayerRef.At(0), "m", i));
        string full = File.ReadAllText(path);
        File.AppendAllText(path, "{\"relation\":\"r\",\"trial\":3,\"lay"); // killed mid-write

        using (var store = SweepRecordStore.Open(path))
        {
            Assert.True(store.DroppedTornLine);
            Assert.Equal(3, store.Count);
            Assert.Equal(full, File.ReadAllText(path));
            store.Append(new SweepRecord("r", 3, LayerRef.At(0), "m", 3));
        }
        using var again = SweepRecordStore.Open(path);
        Assert.False(again.DroppedTornLine);
        Assert.Equal([0.0, 1, 2, 3], again.Records.Select(r => r.Value));
    }

    [Fact]
    public void CompleteRecordWithoutItsNewlineIsAlsoDropped()
    {
        string path = NewFile("records-nonl");
        using (var store = SweepRecordStore.Open(path)) store.Append(new SweepRecord("r", 0, null, "m", 1));
        string line = File.ReadAllText(path);
        File.AppendAllText(path, line.TrimEnd('\n').Replace("\"trial\":0", "\"trial\":1"));
        using var reopened = SweepRecordStore.Open(path);
        Assert.True(reopened.DroppedTornLine);
        Assert.Equal(1, reopened.Count);
    }

    [Fact]
    public void CorruptLineBeforeTheEndIsAnErrorNamingFileAndLine()
    {
        string path = NewFile("records-corrupt");
        using (var store = SweepRecordStore.Open(path))
            for (int i = 0; i < 3; i++) store.Append(new SweepRecord("r", i, null, "m", i));
        var lines = File.ReadAllLines(path);
        lines[1] = "{\"relation\":\"r\",\"trial\":\"one\"}";
        File.WriteAllText(path, string.Join("\n", lines) + "\n");

        var e = Assert.Throws<RelensException>(() => SweepRecordStore.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 2", e.Message);
        Assert.Contains("'trial'", e.Message);
    }

    [Fact]
    public void SecondWriterIsRefused()
    {
        string path = NewFile("records-lock");
        using var first = SweepRecordStore.Open(path);
        var e = Assert.Throws<RelensException>(() => SweepRecordStore.Open(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void CsvExportQuotesWhereNeeded()
    {
        string path = NewFile("records-csv");
        using var store = SweepRecordStore.Open(path);
        store.Append(new SweepRecord("country capital city", 0, LayerRef.Embedding, "recall@1", 0.5, Beta: 2.25));
        store.Append(new SweepRecord("a, b", 1, LayerRef.At(4), "causality@1", 1, Rank: 8, Subject: "say \"hi\"", Note: "x\ny"));
        string csv = Path.ChangeExtension(path, ".csv");
        store.ExportCsv(csv);
        Assert.Equal(
            SweepRecordCsv.Header + "\n"
            + "country capital city,0,emb,recall@1,2.25,,,0.5,\n"
            + "\"a, b\",1,4,causality@1,,8,\"say \"\"hi\"\"\",1,\"x\ny\"\n",
            File.ReadAllText(csv, Encoding.UTF8));
    }
}
