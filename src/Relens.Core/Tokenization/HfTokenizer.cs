namespace Relens.Tokenization;

/// <summary>The parts of a tokenizer.json pipeline, as read by <see cref="TokenizerJsonReader"/>.</summary>
internal sealed record TokenizerPipeline(
    BpeModel Model,
    IReadOnlyList<AddedToken> AddedTokens,
    INormalizer? Normalizer,
    IPreTokenizer? PreTokenizer,
    IPostProcessor? PostProcessor,
    IDecoder? Decoder,
    bool TrimByteLevelOffsets);

/// <summary>
/// HF "fast" tokenizer pipeline: added tokens → normalizer → pre-tokenizer → BPE → post-processor.
/// Offsets are UTF-16 indices into the original text:
/// <list type="bullet">
/// <item>byte-level files: a token's span covers the characters of all its bytes, its "Ġ" spaces
/// included ("Ġcapital" → " capital", a lone "Ġ" → its space), as HF gives them for GPT-2/GPT-J, whose
/// ByteLevel post-processor has trim_offsets false; a file whose post-processor sets trim_offsets true
/// gets HF's trimmed spans instead (the spaces dropped; an all-space token → the empty span at its end);</item>
/// <item>SentencePiece-style files (LLaMA): a "▁" made from a space covers that space (" capital" for
/// "▁capital", as HF); the "▁" prepended to the text covers the first character, so "▁The" → "The";</item>
/// <item>a token holding only some bytes of a character covers the whole character;</item>
/// <item>special tokens from the post-processor: (0, 0).</item>
/// </list>
/// </summary>
internal sealed class HfTokenizer : ITokenizer
{
    private readonly TokenizerPipeline _p;
    private readonly AddedTokenMatcher _rawAdded;        // matched on the original text (normalized: false)
    private readonly AddedTokenMatcher _normalizedAdded; // matched after the normalizer (normalized: true)
    private readonly Dictionary<string, int> _addedByContent;
    private readonly Dictionary<int, string> _addedById;

    public HfTokenizer(TokenizerPipeline pipeline, string? bosToken, string? eosToken)
    {
        _p = pipeline;
        _rawAdded = new AddedTokenMatcher(pipeline.AddedTokens.Where(t => !t.Normalized));
        _normalizedAdded = new AddedTokenMatcher(pipeline.AddedTokens.Where(t => t.Normalized));
        _addedByContent = new Dictionary<string, int>();
        _addedById = new Dictionary<int, string>();
        foreach (var t in pipeline.AddedTokens)
        {
            _addedByContent[t.Content] = t.Id;
            _addedById[t.Id] = t.Content;
        }
        VocabSize = Math.Max(pipeline.Model.Size, pipeline.AddedTokens.Count == 0 ? 0 : pipeline.AddedTokens.Max(t => t.Id) + 1);
        BosToken = bosToken;
        EosToken = eosToken;
        BosTokenId = bosToken is null ? null : TokenToId(bosToken);
        EosTokenId = eosToken is null ? null : TokenToId(eosToken);
    }

    /// <summary>One more than the largest id (vocabulary and added tokens), i.e. HF's len(tokenizer).</summary>
    public int VocabSize { get; }
    public int? BosTokenId { get; }
    public int? EosTokenId { get; }
    public string? BosToken { get; }
    public string? EosToken { get; }

    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out int id) || _p.Model.TryGetId(token, out id) ? id : null;

    private string? IdToToken(int id) => _addedById.TryGetValue(id, out var t) ? t : _p.Model.IdToToken(id);

    public TokenizedText Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<EncodedToken>();
        foreach (var split in _rawAdded.Split(text))
        {
            if (split.Token is { } added)
            {
                tokens.Add(new EncodedToken(added.Id, added.Content, new CharSpan(split.Start, split.End)));
                continue;
            }
            var segment = AlignedText.FromOriginal(text, split.Start, split.End);
            if (_p.Normalizer is not null) segment = _p.Normalizer.Normalize(segment);
            foreach (var inner in _normalizedAdded.Split(segment.Text))
            {
                if (inner.Token is { } normalizedAdded)
                    tokens.Add(new EncodedToken(normalizedAdded.Id, normalizedAdded.Content, segment.SpanOf(inner.Start, inner.End)));
                else
                    EncodeSegment(text, segment.Slice(inner.Start, inner.End), tokens);
            }
        }
        if (addSpecialTokens && _p.PostProcessor is not null) tokens = _p.PostProcessor.AddSpecialTokens(tokens);
        return new TokenizedText(
            tokens.Select(t => t.Id).ToArray(),
            tokens.Select(t => t.Span).ToArray(),
            tokens.Select(t => t.Token).ToArray());
    }

    private void EncodeSegment(string original, AlignedText segment, List<EncodedToken> output)
    {
        var pieces = new List<AlignedText>();
        if (_p.PreTokenizer is null) pieces.Add(segment);
        else _p.PreTokenizer.Split(segment, pieces);
        foreach (var piece in pieces)
        {
            foreach (var bpe in _p.Model.Tokenize(piece.Text))
            {
                var span = _p.TrimByteLevelOffsets
                    ? TrimmedSpan(original, piece, bpe.Start, bpe.End)
                    : piece.SpanOf(bpe.Start, bpe.End);
                output.Add(new EncodedToken(bpe.Id, _p.Model.IdToToken(bpe.Id)!, span));
            }
        }
    }

    /// <summary>ByteLevel trim_offsets: drop leading/trailing "Ġ" units that stand for a real space of the
    /// original text. The space added by add_prefix_space aligns with the first character, not with a
    /// space, so it is never trimmed away (HF special-cases the first token for the same reason).</summary>
    private static CharSpan TrimmedSpan(string original, AlignedText piece, int start, int end)
    {
        bool IsSpace(int u) => piece.Text[u] == SpaceChar
            && piece.Ends[u] - piece.Starts[u] == 1 && original[piece.Starts[u]] == ' ';
        int a = start, b = end;
        while (a < b && IsSpace(a)) a++;
        while (b > a && IsSpace(b - 1)) b--;
        if (a == b)
        {
            int e = piece.SpanOf(start, end).End;
            return new CharSpan(e, e);
        }
        return piece.SpanOf(a, b);
    }

    private static readonly char SpaceChar = ByteLevelAlphabet.CharOf((byte)' ');

    public string Decode(int id) => Decode([id]);

    /// <summary>As HF's decode(skip_special_tokens=False) in the tokenizers library (no
    /// clean_up_tokenization_spaces). Ids outside the vocabulary are skipped, as HF does.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        var tokens = new List<string>(ids.Count);
        foreach (var id in ids)
            if (IdToToken(id) is { } t) tokens.Add(t);
        var decoder = _p.Decoder ?? new JoinWithSpacesDecoder();
        return string.Concat(decoder.DecodeChain(tokens));
    }
}
