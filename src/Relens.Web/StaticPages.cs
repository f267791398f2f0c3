using System.Collections.Frozen;
using System.Reflection;

namespace Relens.Web;

/// <summary>
/// The viewer's HTML/JS/CSS, embedded in this assembly (no CDN, no build step). A URL is only ever a key in
/// this fixed table, so no request path can reach the file system.
/// </summary>
public static class StaticPages
{
    private const string Prefix = "wwwroot/";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> Files = Load();

    public static IEnumerable<string> Names => Files.Keys;

    public static IResult Serve(string name) =>
        Files.TryGetValue(name, out var f)
            ? Results.Bytes(f.Bytes, f.ContentType)
            : Results.Json(new { error = $"no such page: /{name}" }, statusCode: StatusCodes.Status404NotFound);

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var asm = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in asm.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = asm.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[Prefix.Length..];
            files[name] = (copy.ToArray(), ContentType(name));
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
