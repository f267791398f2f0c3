namespace Relens.Tracing;

/// <summary>
/// The token roles ROME averages traces over (its notebook's read_knowledge): a prompt's rows are aligned by role,
/// not by position, so prompts of different lengths average. Tokens before the subject take no role.
/// </summary>
public static class TokenRoles
{
    public static readonly string[] Names =
        ["first subject token", "middle subject tokens", "last subject token", "first subsequent token", "further tokens", "last token"];

    public const int FirstSubject = 0, MiddleSubject = 1, LastSubject = 2, FirstSubsequent = 3, Further = 4, Last = 5;

    /// <summary>The tokens of each role, as ROME picks them: a one-token subject is both first and last subject
    /// token, and the first subsequent token can also be the last token (then it counts in both rows).</summary>
    public static IReadOnlyList<int>[] Tokens(int subjectFirst, int subjectLast, int tokenCount)
    {
        int last = tokenCount - 1;
        IReadOnlyList<int> Range(int from, int toExclusive) => Enumerable.Range(from, Math.Max(0, toExclusive - from)).ToArray();
        return
        [
            [subjectFirst],
            Range(subjectFirst + 1, subjectLast),
            [subjectLast],
            subjectLast + 1 <= last ? [subjectLast + 1] : [],
            Range(subjectLast + 2, last),
            [last],
        ];
    }
}
