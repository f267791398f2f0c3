using System.Runtime.InteropServices;

namespace Relens.Runtime;

/// <summary>
/// libtorch's CPU BLAS is Intel MKL (linked into libtorch_cpu), whose kernels may take different code paths
/// depending on how the arrays happen to be aligned in memory, so the same matmul can differ in its last bit from
/// one call to the next when the allocator hands out other addresses (other work in the process, other tests).
/// A resumed sweep must reproduce the uninterrupted one bit for bit, so MKL runs in its conditional numerical
/// reproducibility mode (MKL_CBWR=AUTO: the same code path whatever the alignment, for a fixed thread count) and
/// does not vary its thread count (MKL_DYNAMIC=FALSE). MKL reads both when it first runs: call this before the first
/// torch operation. A value the user set is kept.
/// </summary>
public static class NumericalReproducibility
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            SetEnv("MKL_CBWR", "AUTO", 0);
            SetEnv("MKL_DYNAMIC", "FALSE", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
