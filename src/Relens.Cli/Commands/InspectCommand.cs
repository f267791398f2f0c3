using System.CommandLine;
using System.Text.Json;
using Relens.Cli.CommandLine;
using Relens.Inspection;
using Relens.Models;

namespace Relens.Cli.Commands;

/// <summary>`relens inspect`: one prompt's tokens, top logits and hidden states, in the golden files' JSON fields.</summary>
public sealed class InspectCommand : CommandBase
{
    public override string Name => "inspect";
    public override string Summary => "tokens, top logits and hidden states of a prompt (JSON in Hugging Face's field names)";

    private readonly Option<string?> _model = Opt.Text("--model", "DIR", "a Hugging Face checkpoint folder");
    private readonly Option<string?> _prompt = Opt.Text("--prompt", "TEXT", "the prompt");
    private readonly Option<string> _layers = Opt.Text("--layers", "all|LIST", "hidden_states indices 0..L (0 = embeddings, L = after the final norm), e.g. 0,2,4", "all");
    private readonly Option<int> _top = Opt.Int("--top", "K", "top logits to list, 1..vocabulary size", 10);
    private readonly Option<bool> _json = Opt.Flag("--json", "the result as JSON");
    private readonly ModelLoadOptions _load = new();

    protected override Command Create()
    {
        var command = new CliCommand(Name, Summary) { Details = "One prompt's tokens, top logits and hidden states, in the golden files' (Hugging Face's) field names." };
        command.AddRequired(_model);
        command.AddRequired(_prompt);
        command.Add(_layers);
        command.Add(_top);
        command.Add(_json);
        _load.AddTo(command);
        command.SetAction(Execute);
        return command;
    }

    private int Execute(ParseResult r)
    {
        int top = r.GetValue(_top);
        if (top < 1) throw new RelensException($"--top must be at least 1, got {top}");
        string prompt = r.Required(_prompt);
        using var lm = _load.Load(null, r.Required(_model), r);
        if (top > lm.Model.VocabSize) throw new RelensException($"--top {top} is more than the vocabulary ({lm.Model.VocabSize} tokens)");
        var layers = ParseLayers(r.GetValue(_layers)!, lm.Model.NumLayers);
        var result = Inspector.Inspect(lm, prompt, layers, top);
        if (r.GetValue(_json))
        {
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        Console.WriteLine($"model     {lm.Directory} ({lm.ModelType}, {lm.Model.NumLayers} layers, d={lm.Model.HiddenSize})");
        Console.WriteLine($"weights   {WeightMemory.Describe(lm)}");
        Console.WriteLine($"memory    process peak RSS {Relens.Benchmarks.PeakMemory.PeakRssBytes() / 1048576.0:0.0} MiB (load and this forward pass), RSS now {Relens.Benchmarks.PeakMemory.RssBytes() / 1048576.0:0.0} MiB");
        Console.WriteLine($"tokens    {string.Join(" | ", result.tokens)}");
        Console.WriteLine($"ids       {string.Join(" ", result.input_ids)}");
        Console.WriteLine($"next      {result.greedy_next_token_id} {JsonSerializer.Serialize(result.greedy_next_token)}");
        for (int i = 0; i < result.last_logits_topk_ids.Length; i++)
            Console.WriteLine($"  {i + 1,2}. {result.last_logits_topk_ids[i],7} {JsonSerializer.Serialize(lm.Tokenizer.Decode(result.last_logits_topk_ids[i])),-20} {result.last_logits_topk_values[i],10:F4}");
        foreach (var (k, v) in result.hidden_states_last_pos)
            Console.WriteLine($"hidden[{k}] |h| = {Math.Sqrt(v.Sum(x => (double)x * x)):F4}");
        return 0;
    }

    /// <summary>"all" or a comma list of HF hidden_states indices (0 = embeddings … L = after the final norm).</summary>
    public static int[]? ParseLayers(string text, int numLayers)
    {
        if (text == "all") return null;
        try { return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray(); }
        catch (FormatException) { throw new RelensException($"--layers expects 'all' or a list like 0,2,4 (0..{numLayers}), got '{text}'"); }
    }
}
