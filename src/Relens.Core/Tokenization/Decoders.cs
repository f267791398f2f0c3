using System.Text;
using System.Text.RegularExpressions;

namespace Relens.Tokenization;

/// <summary>A tokenizer.json "decoder": HF's decode_chain, token strings in, (fewer) strings out; the
/// final text is their concatenation.</summary>
internal interface IDecoder
{
    List<string> DecodeChain(List<string> tokens);
}

internal sealed class SequenceDecoder(IReadOnlyList<IDecoder> steps) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps) tokens = step.DecodeChain(tokens);
        return tokens;
    }
}

/// <summary>"ByteLevel": all tokens' bytes joined and read as UTF-8 (invalid sequences → U+FFFD, as HF's
/// from_utf8_lossy).</summary>
internal sealed class ByteLevelDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var t in tokens) ByteLevelAlphabet.AppendBytes(t, bytes);
        return [Encoding.UTF8.GetString(bytes.ToArray())];
    }
}

/// <summary>"Replace" applied to each token ("▁" → " " for LLaMA).</summary>
internal sealed class ReplaceDecoder(Regex pattern, string content) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) =>
        tokens.Select(t => pattern.Replace(t, content.Replace("$", "$$"))).ToList();
}

/// <summary>"ByteFallback": runs of "&lt;0xNN&gt;" tokens become their UTF-8 text, or one U+FFFD per byte
/// when the run is not valid UTF-8 (HF's rule).</summary>
internal sealed class ByteFallbackDecoder : IDecoder
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        void Flush()
        {
            if (pending.Count == 0) return;
            try { result.Add(Strict.GetString(pending.ToArray())); }
            catch (DecoderFallbackException) { for (int k = 0; k < pending.Count; k++) result.Add("\uFFFD"); }
            pending.Clear();
        }
        foreach (var t in tokens)
        {
            if (t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>'
                && byte.TryParse(t.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
                pending.Add(b);
            else
            {
                Flush();
                result.Add(t);
            }
        }
        Flush();
        return result;
    }
}

internal sealed class FuseDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary>"Strip": removes up to <c>start</c> leading and <c>stop</c> trailing copies of a character from each token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.Select(t =>
    {
        int a = 0, b = t.Length;
        while (a < b && a < start && t[a] == content) a++;
        while (b > a && t.Length - b < stop && t[b - 1] == content) b--;
        return t[a..b];
    }).ToList();
}

/// <summary>"Metaspace": "▁" → " ", except that the first token loses its "▁"s when a prefix was prepended.</summary>
internal sealed class MetaspaceDecoder(char replacement, PrependScheme scheme) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.Select((t, i) =>
        i == 0 && scheme != PrependScheme.Never
            ? t.Replace(replacement.ToString(), "")
            : t.Replace(replacement, ' ')).ToList();
}

/// <summary>No decoder: HF joins the tokens with spaces.</summary>
internal sealed class JoinWithSpacesDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Join(' ', tokens)];
}
