using System.Text;
using Relens.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Checkpoints;

/// <summary>Broken files are refused at open with a <see cref="RelensException"/> naming the file and the problem.</summary>
public class SafetensorsValidationTests
{
    private static RelensException Refused(string path)
    {
        var e = Assert.Throws<RelensException>(() => CheckpointLoader.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        return e;
    }

    private static string TempFile(string tag) => Path.Combine(TestPaths.NewTempDir(tag), "model.safetensors");

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12,
        "tensor 'b' has data_offsets [4, 12], overlapping tensor 'a' at [0, 8]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8,
        "tensor 'a' has data_offsets [0, 16] beyond the end of the data area (8 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", 8, "tensor 'a' has data_offsets [8, 0] with begin after end")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", 8, "tensor 'a' has data_offsets [-4,0], which are not non-negative integers")]
    [InlineData("""{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}}""", 8, "tensor 'a' has unknown or unsupported dtype 'Q4'")]
    [InlineData("""{"h.0.attn.c_attn.weight":{"dtype":"F32","shape":[64,192],"data_offsets":[0,4096]}}""", 4096,
        "tensor 'h.0.attn.c_attn.weight' has data_offsets [0, 4096] but F32 [64, 192] needs 49152 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "tensor 'a' has shape [-2], which is not a list of non-negative integers")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", 8, "tensor 'a' has shape [2.5]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}""", 8, "too large to address")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", 8, "tensor 'a' has no data_offsets")]
    [InlineData("""{"a":{"shape":[2],"data_offsets":[0,8]}}""", 8, "tensor 'a' has no string dtype")]
    [InlineData("""{"a":[1,2]}""", 8, "tensor 'a' is JSON Array")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "'a' more than once")]
    [InlineData("""{"__metadata__":{"n":1}}""", 0, "__metadata__ entry 'n' is JSON Number, not a string")]
    [InlineData("""[1, 2]""", 0, "header is JSON Array, not an object")]
    [InlineData("""not json at all""", 0, "header is not valid JSON")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", 8, "header is not valid JSON")]
    public void BadHeaderIsRefusedWithItsProblem(string header, int dataBytes, string problem)
    {
        string path = RawSafetensors.Write(TempFile("st-bad"), header, dataBytes);
        Assert.Contains(problem, Refused(path).Message);
    }

    [Fact]
    public void HeaderThatIsNotUtf8IsRefused()
    {
        string path = TempFile("st-utf8");
        var json = Encoding.UTF8.GetBytes("""{"__metadata__":{"k":"v?"}}""");
        json[Array.IndexOf(json, (byte)'?')] = 0xFF;
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)json.Length), .. json]);
        Assert.Contains("header is not valid UTF-8", Refused(path).Message);
    }

    [Fact]
    public void FileShorterThanEightBytesIsRefused()
    {
        string path = TempFile("st-short");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        Assert.Contains("file is 5 bytes, too short", Refused(path).Message);
    }

    [Fact]
    public void HeaderLengthLargerThanTheFileIsRefused()
    {
        string path = TempFile("st-hlen");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(1000UL), .. new byte[92]]);
        Assert.Contains("header length 1000 is larger than the 92 bytes", Refused(path).Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheSanityLimitIsRefusedWithoutReadingIt()
    {
        string path = TempFile("st-hhuge");
        long headerLength = SafetensorsHeader.MaxHeaderBytes + 1;
        using (var f = File.Create(path))
        {
            f.Write(BitConverter.GetBytes((ulong)headerLength));
            f.SetLength(8 + headerLength); // sparse: costs no disk
        }
        Assert.Contains($"header length {headerLength} exceeds the {SafetensorsHeader.MaxHeaderBytes}-byte limit", Refused(path).Message);
    }

    private static string ValidSmallFile(string tag)
    {
        using var scope = NewDisposeScope();
        string path = TempFile(tag);
        SafetensorsWriter.Write(path, [("w", arange(12, dtype: ScalarType.Float32).reshape(3, 4)), ("b", ones(4, dtype: ScalarType.Float16))]);
        return path;
    }

    [Fact]
    public void FileTruncatedInTheDataAreaIsRefused()
    {
        string path = ValidSmallFile("st-trunc");
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(f.Length - 3);
        Assert.Contains("beyond the end of the data area", Refused(path).Message);
    }

    [Fact]
    public void EveryTruncationOfAValidFileIsRefused()
    {
        string path = ValidSmallFile("st-every-trunc");
        var bytes = File.ReadAllBytes(path);
        string cut = Path.Combine(Path.GetDirectoryName(path)!, "cut.safetensors");
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(cut, bytes[..length]);
            Refused(cut);
        }
    }

    /// <summary>Random byte flips in the header: each either still opens and loads, or is refused with a RelensException.</summary>
    [Fact]
    public void CorruptedHeadersNeverEscapeAsOtherExceptions()
    {
        string path = ValidSmallFile("st-fuzz");
        var bytes = File.ReadAllBytes(path);
        long headerEnd = 8 + BitConverter.ToInt64(bytes, 0);
        string bad = Path.Combine(Path.GetDirectoryName(path)!, "fuzz.safetensors");
        var random = new Random(12345);
        int refused = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            var copy = (byte[])bytes.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
                copy[random.Next(0, (int)headerEnd)] = (byte)random.Next(0, 256);
            File.WriteAllBytes(bad, copy);
            try
            {
                using var checkpoint = CheckpointLoader.Open(bad);
                using var scope = NewDisposeScope();
                foreach (var name in checkpoint.TensorNames) checkpoint.Load(name, ScalarType.Float32);
            }
            catch (RelensException e)
            {
                Assert.Contains(bad, e.Message);
                refused++;
            }
        }
        Assert.True(refused > 100, $"only {refused} of 300 corruptions were refused");
    }
}
