namespace Relens.Tokenization;

/// <summary>A token of an encoding under construction.</summary>
internal readonly record struct EncodedToken(int Id, string Token, CharSpan Span);

/// <summary>
/// A tokenizer.json "post_processor", reduced to what a single sequence needs: the special tokens it puts
/// around the text when add_special_tokens is on. (ByteLevel's offset trimming is done by the tokenizer
/// while it still knows which units were spaces.) Special tokens get the empty span (0, 0), as in HF.
/// </summary>
internal interface IPostProcessor
{
    List<EncodedToken> AddSpecialTokens(List<EncodedToken> sequence);
}

/// <summary>One item of a TemplateProcessing "single" template.</summary>
internal abstract record TemplatePart
{
    public sealed record Sequence : TemplatePart;
    public sealed record Special(int[] Ids, string[] Tokens) : TemplatePart;
}

/// <summary>"TemplateProcessing" (LLaMA: <c>&lt;s&gt; $A</c>), also used for RobertaProcessing/BertProcessing
/// (<c>cls $A sep</c>).</summary>
internal sealed class TemplatePostProcessor(IReadOnlyList<TemplatePart> single) : IPostProcessor
{
    public IReadOnlyList<TemplatePart> Single { get; } = single;

    public List<EncodedToken> AddSpecialTokens(List<EncodedToken> sequence)
    {
        var result = new List<EncodedToken>(sequence.Count + Single.Count);
        foreach (var part in Single)
        {
            if (part is TemplatePart.Special s)
                for (int k = 0; k < s.Ids.Length; k++) result.Add(new EncodedToken(s.Ids[k], s.Tokens[k], new CharSpan(0, 0)));
            else result.AddRange(sequence);
        }
        return result;
    }
}

/// <summary>"ByteLevel" adds nothing; "Sequence" chains processors.</summary>
internal sealed class SequencePostProcessor(IReadOnlyList<IPostProcessor> steps) : IPostProcessor
{
    public IReadOnlyList<IPostProcessor> Steps { get; } = steps;

    public List<EncodedToken> AddSpecialTokens(List<EncodedToken> sequence)
    {
        foreach (var step in Steps) sequence = step.AddSpecialTokens(sequence);
        return sequence;
    }
}
