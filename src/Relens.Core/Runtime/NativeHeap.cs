using System.Runtime.InteropServices;

namespace Relens.Runtime;

/// <summary>glibc's heap: freed native memory stays resident until trimmed.</summary>
public static class NativeHeap
{
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>Returns freed heap pages to the OS (a no-op where there is no glibc).</summary>
    public static void Trim()
    {
        try { MallocTrim(0); } catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
