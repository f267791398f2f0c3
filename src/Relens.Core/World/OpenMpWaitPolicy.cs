using System.Runtime.InteropServices;

namespace Relens.World;

/// <summary>
/// libtorch's OpenMP threads spin while waiting by default. When the machine is oversubscribed (other
/// builds or tests on the same 2 cores) spinning threads steal the time the working ones need: a
/// training step measured 4–7 s instead of 0.6–0.9 s. OMP_WAIT_POLICY=PASSIVE makes them sleep instead.
/// It must be in the native environment before libtorch loads; .NET's Environment.SetEnvironmentVariable
/// does not reach native getenv on Unix, hence libc setenv.
/// </summary>
public static class OpenMpWaitPolicy
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE unless the user set a policy. Call before the first torch call.</summary>
    public static void PreferPassive()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 }) return;
        try { SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
