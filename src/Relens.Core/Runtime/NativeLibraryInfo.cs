namespace Relens.Runtime;

/// <summary>Reports whether the build's GLIBCXX patch (build/LibTorchSharpGlibcxx.targets) was applied.</summary>
public static class NativeLibraryInfo
{
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>libLibTorchSharp.so of the application in <paramref name="appDirectory"/>, or null: under
    /// runtimes/linux-x64/native/ in a build or portable publish, at the folder's root in a linux-x64 publish
    /// (the .NET tool's package).</summary>
    public static string? FindLibTorchSharp(string appDirectory) =>
        new[] { Path.Combine(appDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), Path.Combine(appDirectory, "libLibTorchSharp.so") }
            .FirstOrDefault(File.Exists);

    /// <summary>"patched (GLIBCXX_3.4.32 marked weak)", "not needed" or a reason it could not be read.</summary>
    public static string PatchStatus(string libraryPath)
    {
        if (!File.Exists(libraryPath)) return "unknown (library not found)";
        try
        {
            var weak = WeakVersionNeeds(File.ReadAllBytes(libraryPath));
            return weak.Count > 0 ? $"applied ({string.Join(", ", weak)} marked weak: the system libstdc++ lacks it)" : "not needed";
        }
        catch (Exception e) { return $"unknown ({e.Message})"; }
    }

    /// <summary>Names of version-needed entries whose vna_flags has VER_FLG_WEAK (0x2) set.</summary>
    public static List<string> WeakVersionNeeds(byte[] elf)
    {
        var result = new List<string>();
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)(shoff + (long)s * shentsize));
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = (int)BitConverter.ToInt64(elf, sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28), count = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
            int strtab = (int)BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            int vn = offset;
            for (int i = 0; i < count; i++)
            {
                int vna = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < BitConverter.ToUInt16(elf, vn + 2); a++)
                {
                    if ((BitConverter.ToUInt16(elf, vna + 4) & 0x2) != 0)
                    {
                        int name = strtab + (int)BitConverter.ToUInt32(elf, vna + 8), end = name;
                        while (elf[end] != 0) end++;
                        result.Add(System.Text.Encoding.ASCII.GetString(elf, name, end - name));
                    }
                    vna += (int)BitConverter.ToUInt32(elf, vna + 12);
                }
                vn += (int)BitConverter.ToUInt32(elf, vn + 12);
            }
        }
        return result;
    }
}
