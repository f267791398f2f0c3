using Spectre.Console;

namespace Relens.Cli.Output;

/// <summary>
/// Where a command writes: a live terminal (progress bars, colour) or plain lines when stdout is redirected,
/// CI=true, --no-progress was given, or a test supplies its own writer.
/// </summary>
public sealed class Terminal
{
    private readonly TextWriter? _plain;

    private Terminal(IAnsiConsole console, bool live, TextWriter? plain = null)
    {
        Console = console;
        Live = live;
        _plain = plain;
    }

    public IAnsiConsole Console { get; }

    /// <summary>True for an interactive terminal: progress bars and colours.</summary>
    public bool Live { get; }

    /// <param name="noProgress">--no-progress.</param>
    /// <param name="writer">A writer to use instead of stdout (tests); always plain.</param>
    public static Terminal Create(bool noProgress, TextWriter? writer = null)
    {
        bool live = writer is null && !noProgress && !System.Console.IsOutputRedirected && !IsCi();
        if (live) return new Terminal(AnsiConsole.Console, true);
        var output = writer ?? System.Console.Out;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 120;   // redirected output has no width; 80 would wrap the tables
        return new Terminal(console, false, output);
    }

    public static bool IsCi() => Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>A log line; plain output writes it as is (Spectre would wrap it at the profile width).</summary>
    public void Line(string text)
    {
        if (_plain is not null) _plain.WriteLine(text);
        else Console.WriteLine(text);
    }

    public void Muted(string text)
    {
        if (Live) Console.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
        else Line(text);
    }
}
