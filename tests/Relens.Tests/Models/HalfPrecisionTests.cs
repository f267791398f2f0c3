using Relens.Checkpoints;
using Relens.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Tests.Models;

/// <summary>
/// The golden checkpoints rewritten as F16 and BF16 safetensors: loaded into float32 they must equal the F32
/// model with its weights rounded the same way; computed in F16/BF16 they must agree within a few units of
/// the dtype's rounding.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class HalfPrecisionTests
{
    private const string Prompt = "The capital city of France is Paris\nThe capital city of Japan is";

    public static TheoryData<string, ScalarType> Cases()
    {
        var data = new TheoryData<string, ScalarType>();
        foreach (var model in new[] { "gpt2-tiny", "gptj-tiny", "neox-tiny", "llama-tiny", "qwen2-tiny", "gemma2-tiny", "phi3-tiny" })
            foreach (var dtype in new[] { ScalarType.Float16, ScalarType.BFloat16 })
                data.Add(model, dtype);
        return data;
    }

    /// <summary>Unit roundoff: half the distance from 1 to the next representable number.</summary>
    private static double UnitRoundoff(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => Math.Pow(2, -11),
        ScalarType.BFloat16 => Math.Pow(2, -8),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    [Theory, MemberData(nameof(Cases))]
    public void HalfCheckpointLoadsIntoEitherDtypeAndAgreesWithFloat32(string model, ScalarType dtype)
    {
        string dir = ModelFolders.Rewrite(model, SafetensorsDType.NameOf(dtype)!, weightsDtype: dtype);
        using (var written = CheckpointLoader.Open(dir))
            Assert.All(written.TensorNames, n => Assert.Equal(SafetensorsDType.NameOf(dtype), written.Entry(n).DType));

        using var scope = torch.NewDisposeScope();
        // reference: the F32 model with every weight rounded to the half dtype and back
        using var reference = LanguageModel.Load(TestPaths.Golden(model));
        using (torch.no_grad())
            foreach (var p in reference.Model.parameters()) p.copy_(p.to(dtype).to(ScalarType.Float32));
        var expected = ModelFolders.Logits(reference, Prompt);

        // half weights computing in float32: the same numbers as the rounded reference
        using (var wide = LanguageModel.Load(dir, ScalarType.Float32))
        {
            Assert.All(wide.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            double diff = ModelFolders.MaxDiff(expected, ModelFolders.Logits(wide, Prompt));
            Assert.True(diff <= 1e-5, $"{model} {dtype} weights in float32: logits differ by {diff:E2}");
        }

        // computing in the half dtype: within a few roundoffs of the logits' scale
        using var half = LanguageModel.Load(dir, dtype);
        Assert.All(half.Model.parameters(), p => Assert.Equal(dtype, p.dtype));
        var actual = ModelFolders.Logits(half, Prompt);
        double scale = expected.abs().max().item<float>();
        double tolerance = 8 * UnitRoundoff(dtype) * scale;
        double halfDiff = ModelFolders.MaxDiff(expected, actual);
        Assert.True(halfDiff <= tolerance, $"{model} computing in {dtype}: logits differ by {halfDiff:E2} (tolerance {tolerance:E2})");
        Assert.Equal(expected[0, -1].argmax().item<long>(), actual[0, -1].argmax().item<long>());
    }
}
