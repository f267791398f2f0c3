// MSBuild inline task (see LibTorchSharpGlibcxx.targets). Marks the GLIBCXX version-needed entries
// of libLibTorchSharp.so that the system libstdc++ does not provide, and those named in Always, as weak
// (VER_FLG_WEAK = 0x2), so the dynamic loader accepts the library on systems with an older libstdc++ (Debian 12).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class RelensWeakenGlibcxxNeed : Task
{
    [Required] public string Folder { get; set; }
    /// <summary>Versions to weaken whatever this machine has (";"-separated): for folders that run elsewhere.</summary>
    public string Always { get; set; }
    [Output] public string Patched { get; set; }

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        string lib = Path.Combine(Folder, "libLibTorchSharp.so");
        if (!File.Exists(lib)) { Patched = "no library"; return true; }
        var always = new HashSet<string>((Always ?? "").Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries));
        string systemLib = FindSystemLibStdCxx();
        if (systemLib == null && always.Count == 0) { Patched = "skipped (no system libstdc++ found)"; return true; }
        byte[] system = systemLib == null ? null : File.ReadAllBytes(systemLib);
        byte[] elf = File.ReadAllBytes(lib);
        var weakened = new List<string>();
        try { Weaken(elf, name => always.Contains(name) || (system != null && name.StartsWith("GLIBCXX_") && !Contains(system, name)), weakened); }
        catch (Exception e) { Log.LogWarning("Could not parse " + lib + ": " + e.Message); Patched = "failed"; return true; }
        if (weakened.Count == 0) { Patched = "not needed (nothing to weaken, or already weak)"; return true; }
        File.WriteAllBytes(lib, elf);
        Patched = "weakened " + string.Join(",", weakened);
        Log.LogMessage(MessageImportance.High, "Relens: marked " + string.Join(",", weakened) + " weak in " + lib + (system == null ? "" : " (system " + systemLib + ")"));
        return true;
    }

    static string FindSystemLibStdCxx()
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/lib/aarch64-linux-gnu" })
        {
            string p = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    static bool Contains(byte[] haystack, string needle)
    {
        // Version names appear NUL-terminated in .dynstr / .gnu.version_d.
        byte[] n = Encoding.ASCII.GetBytes(needle + "\0");
        for (int i = 0; i + n.Length <= haystack.Length; i++)
        {
            if (haystack[i] != n[0]) continue;
            int j = 1;
            while (j < n.Length && haystack[i + j] == n[j]) j++;
            if (j == n.Length) return true;
        }
        return false;
    }

    static void Weaken(byte[] elf, Func<string, bool> shouldWeaken, List<string> weakened)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a little-endian ELF64 file");
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, (int)sh + 0x2C);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            long vn = offset;
            for (int i = 0; i < count; i++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)vn + 2);
                long vna = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = ReadCString(elf, strtab + BitConverter.ToUInt32(elf, (int)vna + 8));
                    ushort flags = BitConverter.ToUInt16(elf, (int)vna + 4);
                    if (shouldWeaken(name) && (flags & VerFlgWeak) == 0)
                    {
                        flags |= VerFlgWeak;
                        elf[vna + 4] = (byte)(flags & 0xff);
                        elf[vna + 5] = (byte)(flags >> 8);
                        weakened.Add(name);
                    }
                    vna += BitConverter.ToUInt32(elf, (int)vna + 12);
                }
                vn += BitConverter.ToUInt32(elf, (int)vn + 12);
            }
        }
    }

    static string ReadCString(byte[] b, long at)
    {
        int end = (int)at;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }
}
