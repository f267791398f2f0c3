using System.Text.Json;
using Relens.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Checkpoints;

/// <summary><see cref="SafetensorsWriter"/> output read back by the library and by the independent test reader.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class SafetensorsRoundTripTests
{
    private static List<(string Name, Tensor Tensor)> Gpt2Tensors(ScalarType dtype)
    {
        using var checkpoint = CheckpointLoader.Open(TestPaths.Golden("gpt2-tiny"));
        return checkpoint.TensorNames.Select(n => (n, checkpoint.Load(n, dtype))).ToList();
    }

    [Fact]
    public void EveryDTypeRoundTripsBitExactly()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var f32 = randn([3, 5], generator: generator);
        var tensors = new List<(string, Tensor)>
        {
            ("f32", f32),
            ("f32.transposed", f32.t()), // not contiguous: must be written in logical order
            ("f32.scalar", tensor(2.5f)),
            ("f32.empty", zeros(0, 4)),
            ("f64", randn([4], dtype: ScalarType.Float64, generator: generator)),
            ("f16", f32.to_type(ScalarType.Float16)),
            ("bf16", f32.to_type(ScalarType.BFloat16)),
            ("i64", tensor(new long[] { long.MinValue, -1, 0, long.MaxValue })),
            ("i32", tensor(new[] { int.MinValue, 7, int.MaxValue })),
            ("i16", tensor(new short[] { short.MinValue, 3 })),
            ("i8", tensor(new sbyte[] { -128, 0, 127 })),
            ("u8", tensor(new byte[] { 0, 200, 255 })),
            ("bool", tensor(new[] { true, false, true })),
        };
        string path = Path.Combine(TestPaths.NewTempDir("st-dtypes"), "all.safetensors");
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["purpose"] = "test" });

        using var checkpoint = CheckpointLoader.Open(path);
        Assert.Equal("test", checkpoint.Metadata["purpose"]);
        Assert.Equal("pt", checkpoint.Metadata["format"]);
        foreach (var (name, original) in tensors)
        {
            var back = checkpoint.Load(name);
            Assert.Equal(original.dtype, back.dtype);
            Assert.Equal(original.shape, back.shape);
            Assert.True(TensorAssert.Same(original, back), name);
        }
    }

    [Fact]
    public void WriterOutputFollowsTheFormatAsAnIndependentReaderSeesIt()
    {
        using var scope = NewDisposeScope();
        var a = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        var tensors = new List<(string, Tensor)> { ("odd.f16", ones(3, dtype: ScalarType.Float16)), ("a", a), ("b", tensor(new long[] { 5 })) };
        string path = Path.Combine(TestPaths.NewTempDir("st-format"), "x.safetensors");
        SafetensorsWriter.Write(path, tensors);

        var (raw, dataStart, headerLength) = RawSafetensors.ReadHeader(path);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(new long[] { 2, 3 }, raw["a"].Shape);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, RawSafetensors.ReadF32(path, "a"));
        foreach (var (name, e) in raw)
        {
            int size = e.DType switch { "F32" => 4, "F16" => 2, "I64" => 8, _ => throw new Exception(e.DType) };
            Assert.True((dataStart + e.Begin) % size == 0, $"{name} at {dataStart + e.Begin} is not {size}-aligned");
        }
        // Contiguous from 0 to the end of the file, as the reference writer lays it out.
        Assert.Equal(new FileInfo(path).Length - dataStart, raw.Values.Sum(e => e.End - e.Begin));
        Assert.Equal(0, raw.Values.Min(e => e.Begin));
    }

    [Theory]
    [InlineData(ScalarType.Float16, 1e-3, 1e-7)] // 11-bit significand; atol covers F16 subnormals
    [InlineData(ScalarType.BFloat16, 1e-2, 0)]   // 8-bit significand, F32's exponent range
    public void Gpt2TinyAsHalfPrecisionReadsBackAsF32WithinTolerance(ScalarType half, double rtol, double atol)
    {
        using var scope = NewDisposeScope();
        var reference = Gpt2Tensors(ScalarType.Float32);
        string path = Path.Combine(TestPaths.NewTempDir("st-half"), "model.safetensors");
        SafetensorsWriter.Write(path, reference.Select(t => (t.Name, t.Tensor.to_type(half))).ToList());

        using var checkpoint = CheckpointLoader.Open(path);
        foreach (var (name, original) in reference)
        {
            Assert.Equal(SafetensorsDType.NameOf(half), checkpoint.Entry(name).DType);
            var back = checkpoint.Load(name, ScalarType.Float32);
            Assert.Equal(ScalarType.Float32, back.dtype);
            Assert.True(back.allclose(original, rtol, atol), $"{name} differs by more than rtol {rtol}");
            Assert.True(TensorAssert.Same(back, original.to_type(half).to_type(ScalarType.Float32)), name);
        }
    }

    [Fact]
    public void HalfPrecisionConvertsInEveryDirection()
    {
        using var scope = NewDisposeScope();
        var f32 = randn([64], generator: new Generator(3));
        string path = Path.Combine(TestPaths.NewTempDir("st-conv"), "c.safetensors");
        SafetensorsWriter.Write(path, [("f16", f32.to_type(ScalarType.Float16)), ("bf16", f32.to_type(ScalarType.BFloat16)), ("f32", f32)]);
        using var checkpoint = CheckpointLoader.Open(path);
        foreach (var stored in new[] { "f16", "bf16", "f32" })
        foreach (var target in new[] { ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float32 })
        {
            var expected = checkpoint.Load(stored).to_type(target);
            var got = checkpoint.Load(stored, target);
            Assert.Equal(target, got.dtype);
            Assert.True(TensorAssert.Same(got, expected), $"{stored} → {target}");
        }
    }

    [Fact]
    public void ShardedWriteReadsBackLikeTheSingleFile()
    {
        using var scope = NewDisposeScope();
        var tensors = Gpt2Tensors(ScalarType.Float32);
        long total = tensors.Sum(t => t.Tensor.numel() * 4), largest = tensors.Max(t => t.Tensor.numel() * 4);
        long maxShard = (total - largest) / 3; // ≥ 3 shards for the rest; the embedding needs one of its own
        Assert.True(largest > maxShard);
        string dir = TestPaths.NewTempDir("st-sharded");
        var written = SafetensorsWriter.WriteSharded(dir, tensors, maxShard);

        var shards = written.Where(f => f.EndsWith(".safetensors")).ToList();
        Assert.True(shards.Count >= 4, $"{shards.Count} shards");
        for (int i = 0; i < shards.Count; i++)
            Assert.Equal($"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors", Path.GetFileName(shards[i]));
        foreach (var shard in shards)
        {
            var (raw, _, _) = RawSafetensors.ReadHeader(shard);
            long bytes = raw.Values.Sum(e => e.End - e.Begin);
            Assert.True(bytes <= maxShard || raw.Count == 1, $"{Path.GetFileName(shard)} holds {bytes} bytes in {raw.Count} tensors");
        }
        using (var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, CheckpointLoader.IndexFileName))))
        {
            Assert.Equal(total, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
            Assert.Equal(tensors.Count, index.RootElement.GetProperty("weight_map").EnumerateObject().Count());
        }

        using var single = CheckpointLoader.Open(TestPaths.Golden("gpt2-tiny"));
        using var sharded = CheckpointLoader.Open(dir);
        Assert.Equal(single.TensorNames.Order(), sharded.TensorNames.Order());
        foreach (var name in single.TensorNames)
            Assert.True(TensorAssert.Same(single.Load(name, ScalarType.Float32), sharded.Load(name, ScalarType.Float32)), name);
    }

    [Fact]
    public void ShardedRewriteReplacesAnEarlierSave()
    {
        using var scope = NewDisposeScope();
        var tensors = Gpt2Tensors(ScalarType.Float32);
        string dir = TestPaths.NewTempDir("st-resave");
        SafetensorsWriter.WriteSharded(dir, tensors, maxShardBytes: 1 << 20);
        Assert.True(Directory.GetFiles(dir, "model-*-of-*.safetensors").Length > 1);

        var written = SafetensorsWriter.WriteSharded(dir, tensors.Take(3).ToList(), maxShardBytes: long.MaxValue);
        Assert.Equal([Path.Combine(dir, CheckpointLoader.SingleFileName)], written);
        Assert.Empty(Directory.GetFiles(dir, "model-*-of-*.safetensors"));
        Assert.False(File.Exists(Path.Combine(dir, CheckpointLoader.IndexFileName)));
        using var checkpoint = CheckpointLoader.Open(dir);
        Assert.Equal(3, checkpoint.TensorNames.Count);
    }

    [Fact]
    public void WriterRefusesDuplicateNamesAndUnsupportedDTypes()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(TestPaths.NewTempDir("st-refuse"), "bad.safetensors");
        var dup = Assert.Throws<RelensException>(() => SafetensorsWriter.Write(path, [("a", ones(1)), ("a", ones(1))]));
        Assert.Contains("'a' is given more than once", dup.Message);
        var complex = Assert.Throws<RelensException>(() => SafetensorsWriter.Write(path, [("c", ones(1, dtype: ScalarType.ComplexFloat32))]));
        Assert.Contains("'c'", complex.Message);
        Assert.Contains("bad.safetensors", complex.Message);
        Assert.False(File.Exists(path));
    }
}
