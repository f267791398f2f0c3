using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Checkpoints;
using Relens.Cli.CommandLine;
using Relens.Models;
using Relens.Quantization;
using Relens.Runs;
using TorchSharp;

namespace Relens.Cli.Commands;

/// <summary>
/// `relens model quantize --model DIR --scheme S --out DIR2`: the model's weights after quantisation, dequantised and
/// written as an ordinary float32 Hugging Face folder (+ quantization.json), so other tools can load exactly the
/// weights a `--quantize S` run measured.
/// </summary>
public sealed class ModelQuantizeCommand : CommandBase
{
    public const string QuantizationFile = "quantization.json";

    public override string Name => "quantize";
    public override string Summary => "the model's weights after quantisation, dequantised, as an ordinary float32 Hugging Face folder";

    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "the model folder");
    private readonly Option<string?> _scheme = Opt.Text("--scheme", "S", "q8_0 | q4_0 | nf4").Suggest([.. QuantSchemes.All.Select(s => s.Name())]);
    private readonly Option<string?> _out = Opt.Text("--out", "DIR2", "the new folder (empty or new)");
    private readonly Option<bool> _embeddings = Opt.Flag("--quantize-embeddings", "quantise the token embeddings too");

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary)
        {
            Usage = ["relens model quantize --model DIR --scheme q8_0|q4_0|nf4 --out DIR2 [--quantize-embeddings]"],
            Details = "Quantises the blocks' linear weights as `--quantize S` does and writes the dequantised model as an ordinary float32 "
                + "Hugging Face folder: model.safetensors, config.json, the tokenizer and other files of DIR, and quantization.json (scheme, "
                + "group size, the quantised tensors). Loading DIR2 without --quantize gives exactly the weights a run with --quantize S measures.",
        };
        foreach (var option in new Option[] { _model, _scheme, _out }) command.AddRequired(option);
        command.Add(_embeddings);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult r)
    {
        string source = Path.GetFullPath(r.Required(_model));
        var options = new QuantizeOptions(QuantSchemes.Parse(r.Required(_scheme), "--scheme"), r.GetValue(_embeddings));
        string outDir = Path.GetFullPath(r.Required(_out));
        if (outDir == source) throw RelensException.InFile(outDir, "--out is the --model folder; choose another folder");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw RelensException.InFile(outDir, "the --out folder already holds files; choose an empty or new folder");
        OutputFolderCheck.Check(outDir, resume: true);

        using var lm = LanguageModel.Load(source, quantization: options);
        Directory.CreateDirectory(outDir);
        using (var scope = torch.NewDisposeScope())
        {
            // float32 always: q·d of a float16 scale and an 8-bit code need more than float16's 11 significant bits
            var tensors = ModelQuantizer.DenseTensors(lm.Model).Select(t => (t.Name, t.Tensor.to(torch.ScalarType.Float32).contiguous())).ToList();
            SafetensorsWriter.WriteSharded(outDir, tensors, long.MaxValue);
        }
        var copied = CopyOtherFiles(source, outDir);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")))!.AsObject();
        config["torch_dtype"] = "float32";
        File.WriteAllText(Path.Combine(outDir, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var about = new JsonObject
        {
            ["format"] = "relens-quantization/1",
            ["scheme"] = options.Scheme.Name(),
            ["group_size"] = options.Scheme.GroupSize(),
            ["embeddings"] = options.Embeddings,
            ["source"] = source,
            ["stored_as"] = "float32: each quantised weight holds its dequantised values x̂, so loading this folder without --quantize gives the weights a --quantize run uses",
            ["quantized_tensors"] = new JsonArray(ModelQuantizer.Targets(lm.Model).Select(t => (JsonNode)t.Name)
                .Concat(options.Embeddings ? ModelQuantizer.EmbeddingTargets(lm.Model).Select(t => (JsonNode)t.Name) : []).ToArray()),
        };
        File.WriteAllText(Path.Combine(outDir, QuantizationFile), about.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine($"{lm.ModelType} from {source}: {ModelQuantizer.Targets(lm.Model).Count} block linear weights{(options.Embeddings ? " and the embeddings" : "")} quantised as {options.Scheme.Name()}");
        Console.WriteLine($"  wrote {outDir}: model.safetensors (float32, dequantised), {QuantizationFile}, {string.Join(", ", copied)}");
        return 0;
    }

    /// <summary>config.json, the tokenizer files, facts.json and whatever else describes the model; not its weights.</summary>
    private static List<string> CopyOtherFiles(string source, string outDir)
    {
        var copied = new List<string>();
        foreach (var file in Directory.EnumerateFiles(source).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            if (name.EndsWith(".safetensors") || name == CheckpointLoader.IndexFileName || name.EndsWith(".bin") || name == QuantizationFile) continue;
            // bytes, not File.Copy: a copy would keep the source's permissions (shared folders are read-only)
            File.WriteAllBytes(Path.Combine(outDir, name), File.ReadAllBytes(file));
            copied.Add(name);
        }
        return copied;
    }
}
