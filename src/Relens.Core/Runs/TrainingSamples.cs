using System.Text;
using System.Text.Json;
using Relens.Relations;

namespace Relens.Runs;

/// <summary>
/// The --train-samples file of `relens estimate`: exact (subject, object) training pairs, in order, either as
/// TSV lines `subject&lt;TAB&gt;object` or as a JSON array of {"subject": …, "object": …}. Each pair remembers its
/// file and line, so <see cref="RelationSplitter.WithTrainSamples"/> can say where a pair not in the relation is.
/// </summary>
public static class TrainingSamples
{
    public static IReadOnlyList<TrainingPair> Read(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw RelensException.InFile(full, "training-samples file not found");
        var bytes = File.ReadAllBytes(full);
        if (bytes is [0xEF, 0xBB, 0xBF, ..]) bytes = bytes[3..];   // a BOM: the JSON reader would refuse it
        string text = Encoding.UTF8.GetString(bytes);
        var pairs = text.TrimStart().StartsWith('[') ? FromJson(bytes, full) : FromTsv(text, full);
        if (pairs.Count == 0) throw RelensException.InFile(full, "holds no training samples (expected subject<TAB>object lines, or a JSON array of {\"subject\", \"object\"})");
        return pairs;
    }

    private static List<TrainingPair> FromTsv(string text, string file)
    {
        var pairs = new List<TrainingPair>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var fields = line.Split('\t');
            string where = $"{file} line {i + 1}";
            if (fields.Length != 2 || fields[0].Trim().Length == 0 || fields[1].Trim().Length == 0)
                throw new RelensException($"{where}: expected subject<TAB>object, got {fields.Length} field{(fields.Length == 1 ? "" : "s")} in '{line}'") { Path = file };
            pairs.Add(new TrainingPair(fields[0].Trim(), fields[1].Trim(), where));
        }
        return pairs;
    }

    // a reader rather than a document: it knows the line each pair starts on
    private static List<TrainingPair> FromJson(byte[] bytes, string file)
    {
        var pairs = new List<TrainingPair>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            reader.Read();   // [
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                string where = $"{file} line {LineOf(bytes, reader.TokenStartIndex)}";
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw new RelensException($"{where}: expected {{\"subject\": …, \"object\": …}}, got {reader.TokenType}") { Path = file };
                using var element = JsonDocument.ParseValue(ref reader);
                pairs.Add(new TrainingPair(Field(element.RootElement, "subject", where, file), Field(element.RootElement, "object", where, file), where));
            }
        }
        catch (JsonException e)
        {
            throw new RelensException($"{file} line {(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message.Split(" Path:")[0]})") { Path = file };
        }
        return pairs;
    }

    private static string Field(JsonElement o, string name, string where, string file) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Trim().Length > 0 ? v.GetString()!.Trim()
            : throw new RelensException($"{where}: the pair needs a non-empty string \"{name}\"") { Path = file };

    private static int LineOf(byte[] bytes, long index)
    {
        int line = 1;
        for (long i = 0; i < index && i < bytes.Length; i++) if (bytes[i] == (byte)'\n') line++;
        return line;
    }
}
