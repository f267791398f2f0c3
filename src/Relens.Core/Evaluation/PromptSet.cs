using Relens.Lre;
using Relens.Models;
using Relens.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Evaluation;

/// <summary>
/// Prompts that share a long common start — the n-shot ICL examples — run with that start computed ONCE:
/// its keys/values are cached at batch size 1 and expanded (not copied) to each batch, and only the
/// differing tails (the query lines, a few tokens each) are left-padded and run. Position ids come from
/// the full mask, so every prompt sees exactly the positions it would alone. The shared start stops before
/// the earliest subject token, so edits and reads at the subject always fall in the tail.
/// </summary>
public sealed class PromptSet : IDisposable
{
    private readonly KvCache? _prefix;

    private PromptSet(LanguageModel lm, IReadOnlyList<SubjectPrompt> prompts, int prefixLength, KvCache? prefix)
    {
        Lm = lm;
        Prompts = prompts;
        PrefixLength = prefixLength;
        _prefix = prefix;
    }

    public LanguageModel Lm { get; }
    public IReadOnlyList<SubjectPrompt> Prompts { get; }
    /// <summary>Tokens every prompt shares at its start (computed once).</summary>
    public int PrefixLength { get; }
    public int Count => Prompts.Count;

    public static PromptSet Create(LanguageModel lm, IReadOnlyList<SubjectPrompt> prompts)
    {
        if (prompts.Count == 0) return new PromptSet(lm, prompts, 0, null);
        int shared = prompts.Min(p => p.SubjectIndex);
        var first = prompts[0].Tokens.Ids;
        foreach (var p in prompts.Skip(1))
        {
            int i = 0;
            while (i < shared && p.Tokens.Ids[i] == first[i]) i++;
            shared = i;
        }
        if (shared == 0) return new PromptSet(lm, prompts, 0, null);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = torch.tensor(first.Take(shared).Select(i => (long)i).ToArray(), [1, shared], ScalarType.Int64);
        var cache = lm.Model.Forward(new ForwardInput { InputIds = ids, ReturnCache = true, Logits = LogitsAt.None }).Cache;
        return new PromptSet(lm, prompts, shared, cache);
    }

    /// <summary>One batch of rows [start, start+count): the tails' forward pass (hooks registered by the caller fire
    /// on the tail positions only). Returns the output and, per row, the column of its subject's last token in the tail batch.</summary>
    public (ForwardOutput Output, long[] SubjectColumns) Run(int start, int count, LogitsAt logits)
    {
        var rows = Prompts.Skip(start).Take(count).ToList();
        var tails = rows.Select(p => Tail(p.Tokens, PrefixLength)).ToArray();
        var batch = PromptBatch.FromEncodings(tails, Lm.Tokenizer.EosTokenId ?? 0);
        var columns = SubjectColumns(start, count);
        if (_prefix is null)
            return (Lm.Model.Forward(new ForwardInput { InputIds = batch.InputIds, PaddingMask = batch.PaddingMask, Logits = logits }), columns);
        using var past = _prefix.Repeat(rows.Count);
        var mask = torch.cat([torch.ones(rows.Count, PrefixLength, dtype: ScalarType.Int64), batch.PaddingMask], 1);
        return (Lm.Model.Forward(new ForwardInput { InputIds = batch.InputIds, PaddingMask = mask, Past = past, Logits = logits }), columns);
    }

    /// <summary>The subject columns <see cref="Run"/> will use for rows [start, start+count), for hooks set up before the pass.</summary>
    public long[] SubjectColumns(int start, int count)
    {
        var rows = Prompts.Skip(start).Take(count).ToList();
        int length = rows.Max(p => p.Tokens.Count - PrefixLength);
        return rows.Select(p => (long)(length - (p.Tokens.Count - PrefixLength) + p.SubjectIndex - PrefixLength)).ToArray();
    }

    private static TokenizedText Tail(TokenizedText t, int from) =>
        new(t.Ids[from..], t.Offsets[from..], t.Tokens[from..]);

    public void Dispose() => _prefix?.Dispose();
}
