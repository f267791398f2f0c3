namespace Relens;

/// <summary>
/// A problem with user input (a file, a folder, an option) that Relens detected and can explain.
/// The message always names the offending file or value and what is wrong with it, so the CLI can
/// print it without a stack trace.
/// </summary>
public class RelensException : Exception
{
    public RelensException(string message) : base(message) { }
    public RelensException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The file or folder the problem is about, when there is one.</summary>
    public string? Path { get; init; }

    public static RelensException InFile(string path, string problem) =>
        new($"{path}: {problem}") { Path = path };
}
