using System.CommandLine;
using Relens.Cli.CommandLine;
using TorchSharp;

namespace Relens.Cli.Commands;

/// <summary>`relens doctor`: versions, threads, whether libtorch loads, and the float32 matmul rate.</summary>
public sealed class DoctorCommand : CommandBase
{
    public override string Name => "doctor";
    public override string Summary => "check .NET, TorchSharp and libtorch, and measure the matmul rate";

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Details = "Prints the .NET, TorchSharp and libtorch versions, the native library and its GLIBCXX patch, the thread count, "
                + "and measures the float32 1024³ matmul rate (exit 1 if libtorch does not load).",
        };
        command.SetAction(_ => Execute());
        return command;
    }

    private static int Execute()
    {
        Console.WriteLine($".NET            {Environment.Version}");
        Console.WriteLine($"TorchSharp      {typeof(torch).Assembly.GetName().Version}");
        // a build keeps the library under runtimes/linux-x64/native, a linux-x64 publish (the installed tool) at the folder's root
        var native = Relens.Runtime.NativeLibraryInfo.FindLibTorchSharp(AppContext.BaseDirectory);
        Console.WriteLine($"Native library  {native ?? "(not in the output folder)"}");
        Console.WriteLine($"GLIBCXX patch   {(native is null ? "unknown" : Relens.Runtime.NativeLibraryInfo.PatchStatus(native))}");
        try
        {
            var rate = Relens.Runtime.MatmulRate.Measure(1024);
            Console.WriteLine($"libtorch        {torch.__version__} (loaded)");
            Console.WriteLine($"Threads         {torch.get_num_threads()} (cores: {Environment.ProcessorCount})");
            Console.WriteLine($"Matmul f32 1024x1024x1024: {rate:F1} GFLOP/s");
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine($"libtorch        FAILED to load: {e.GetBaseException().Message}");
            return 1;
        }
    }
}
