using System.Text;
using System.Text.RegularExpressions;

namespace Relens.World;

/// <summary>
/// GPT-2's byte-level conventions: every UTF-8 byte is shown as one printable character (so a token
/// is a plain string and " the" becomes "Ġthe"), and text is first split by GPT-2's pre-tokenizer regex.
/// </summary>
public static partial class ByteLevel
{
    /// <summary>Byte → character, in GPT-2's order: printable bytes map to themselves, the others to
    /// U+0100 upwards. <see cref="Alphabet"/> lists the characters in GPT-2's vocabulary order (ids 0–255).</summary>
    public static IReadOnlyList<char> ByteToChar { get; }
    public static IReadOnlyList<char> Alphabet { get; }
    private static readonly Dictionary<char, byte> CharToByte;

    static ByteLevel()
    {
        var printable = new List<int>();
        for (int b = '!'; b <= '~'; b++) printable.Add(b);
        for (int b = 0xA1; b <= 0xAC; b++) printable.Add(b);
        for (int b = 0xAE; b <= 0xFF; b++) printable.Add(b);
        var map = new char[256];
        var order = new List<char>(256);
        foreach (int b in printable) { map[b] = (char)b; order.Add((char)b); }
        int n = 0;
        for (int b = 0; b < 256; b++)
            if (!printable.Contains(b)) { map[b] = (char)(256 + n++); order.Add(map[b]); }
        ByteToChar = map;
        Alphabet = order;
        CharToByte = Enumerable.Range(0, 256).ToDictionary(b => map[b], b => (byte)b);
    }

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex PreTokenizerRegex();

    /// <summary>GPT-2 pre-tokens of <paramref name="text"/> (no special-token handling), as (start, length).</summary>
    public static IEnumerable<(int Start, int Length)> PreTokens(string text)
    {
        for (var m = PreTokenizerRegex().Match(text); m.Success; m = m.NextMatch())
            yield return (m.Index, m.Length);
    }

    /// <summary>A piece of text in byte-level characters ("Ġthe" for " the").</summary>
    public static string Encode(string piece)
    {
        var bytes = Encoding.UTF8.GetBytes(piece);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>Byte-level characters back to text (invalid UTF-8 becomes U+FFFD, as in HF).</summary>
    public static string Decode(string byteLevel)
    {
        var bytes = new byte[byteLevel.Length];
        for (int i = 0; i < byteLevel.Length; i++)
            bytes[i] = CharToByte.TryGetValue(byteLevel[i], out var b) ? b
                : throw new RelensException($"'{byteLevel[i]}' is not a byte-level character");
        return Encoding.UTF8.GetString(bytes);
    }
}
