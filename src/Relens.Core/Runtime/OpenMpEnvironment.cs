using System.Runtime.InteropServices;

namespace Relens.Runtime;

/// <summary>
/// libtorch's OpenMP threads spin while they wait. On a machine shared with other jobs, a spinning thread burns
/// the time slice its partner needs, and small elementwise ops get many times slower; OMP_WAIT_POLICY=PASSIVE
/// makes them sleep. libgomp reads it once, when libtorch loads, so it must be in the native environment
/// before the first torch call (.NET's SetEnvironmentVariable does not reach native getenv on Unix).
/// </summary>
public static class OpenMpEnvironment
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets OMP_WAIT_POLICY unless the user did; returns the policy in effect ("default" if unset).</summary>
    public static string PreferWaitPolicy(string? policy)
    {
        string? current = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (current is { Length: > 0 } || policy is null || !OperatingSystem.IsLinux()) return current is { Length: > 0 } ? current : "default (active)";
        try { SetEnv("OMP_WAIT_POLICY", policy, 0); return policy; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return "default (active)"; }
    }
}
