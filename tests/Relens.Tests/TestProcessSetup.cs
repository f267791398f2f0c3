using System.Runtime.CompilerServices;

namespace Relens.Tests;

/// <summary>What the CLI sets before its first torch call, set for the test process too (before any test runs).</summary>
internal static class TestProcessSetup
{
    [ModuleInitializer]
    internal static void Initialize() => Relens.Runtime.NumericalReproducibility.Apply();
}
