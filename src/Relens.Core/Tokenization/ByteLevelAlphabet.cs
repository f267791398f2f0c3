using System.Text;

namespace Relens.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ printable-character map (openai/gpt-2 <c>bytes_to_unicode</c>): printable
/// Latin-1 bytes stand for themselves, the other 68 bytes (controls, space, 0x7F–0xA0, 0xAD) are moved
/// to U+0100.. so that every byte-level token is a visible string ("Ġ" = space, "Ċ" = newline).
/// Vocabularies of byte-level BPE tokenizers are written in this alphabet.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    /// <summary>The character that stands for byte <paramref name="b"/>.</summary>
    public static char CharOf(byte b) => ByteToChar[b];

    /// <summary>Maps bytes to their byte-level characters.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>Byte-level form of a text's UTF-8 bytes ("Hello world" → "HelloĠworld").</summary>
    public static string EncodeText(string text) => Encode(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Appends the bytes a byte-level string stands for. As HF's ByteLevel decoder does, a string with
    /// any character outside the alphabet (e.g. an added token "&lt;unk▁&gt;") contributes its own UTF-8
    /// bytes instead.
    /// </summary>
    public static void AppendBytes(string token, List<byte> output)
    {
        int mark = output.Count;
        foreach (char c in token)
        {
            if (!CharToByte.TryGetValue(c, out var b))
            {
                output.RemoveRange(mark, output.Count - mark);
                output.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
            output.Add(b);
        }
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var printable = new bool[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 0;
        for (int b = 0; b < 256; b++) map[b] = printable[b] ? (char)b : (char)(256 + next++);
        return map;
    }
}
