using Relens.Models;
using Relens.Relations;
using Relens.Sweeps;

namespace Relens.Runs;

/// <summary>
/// `relens run --paper-hparams`: each relation runs with the settings the paper chose for its model
/// (relations/hparams/&lt;model&gt;/): layers h_layer (faithfulness-best) and h_layer_edit (causality-best),
/// the fixed β as the only β, and the hparams' rank as the only rank, so the summary reports F and C at
/// the paper's layers instead of re-selecting them.
/// </summary>
public static class PaperRunSettings
{
    /// <summary>--paper-hparams without a value: the recognised model's hparams.</summary>
    public const string On = "on";
    /// <summary>--no-paper-hparams.</summary>
    public const string Off = "off";

    public static readonly string[] Models = [PaperModels.GptJ, PaperModels.Gpt2Xl, PaperModels.Llama];

    /// <summary>
    /// The hparams folder to use, or null. <paramref name="option"/>: null = automatic (on when the model is
    /// one of the paper's and no sweep option was given), <see cref="On"/>, <see cref="Off"/> or a model key.
    /// </summary>
    public static string? Resolve(string? option, LanguageModel lm, IReadOnlyList<string> sweepOptions, List<string> notes)
    {
        string? recognised = PaperModels.Recognise(lm);
        if (option == Off) return null;
        if (option is null)
        {
            if (recognised is null) return null;
            if (sweepOptions.Count > 0)
            {
                notes.Add($"the model looks like the paper's {recognised}, but {string.Join(", ", sweepOptions)} given: sweeping them instead of the paper's hparams (--paper-hparams to use those)");
                return null;
            }
            notes.Add($"the model looks like the paper's {recognised}: each relation runs at the paper's layer, β and rank (hparams/{recognised}/; --no-paper-hparams to sweep instead)");
            return recognised;
        }
        if (sweepOptions.Count > 0)
            throw new RelensException($"--paper-hparams fixes each relation's layers, β and rank: leave out {string.Join(", ", sweepOptions)}");
        if (option == On)
            return recognised ?? throw new RelensException(
                $"--paper-hparams: this model ({lm.ModelType}, {lm.Model.NumLayers} layers, d = {lm.Model.HiddenSize}) is not one of the paper's "
                + $"(GPT-J-6B, GPT-2-XL, LLaMA-13B); name the hparams to use: --paper-hparams={string.Join("|", Models)}");
        return Models.Contains(option) ? option
            : throw new RelensException($"--paper-hparams={option}: unknown model; the paper's hparams are for {string.Join(", ", Models)}");
    }

    /// <summary>The paper's hparams of each relation that has them (the others are named in <paramref name="notes"/>
    /// and run with the run's settings); checks that their layers exist in the model.</summary>
    public static Dictionary<string, PaperHparams> Load(string relationsRoot, string model, IEnumerable<Relation> relations, LanguageModel lm, List<string> notes)
    {
        string folder = Path.Combine(relationsRoot, RelationDataset.HparamsFolder, model);
        if (!Directory.Exists(folder)) throw RelensException.InFile(folder, $"--paper-hparams: no hparams folder for '{model}'");
        var result = new Dictionary<string, PaperHparams>();
        var missing = new List<string>();
        var beyond = new List<string>();
        foreach (var relation in relations)
        {
            PaperHparams h;
            try { h = PaperHparams.Load(relationsRoot, model, relation.Name); }
            catch (RelensException) { missing.Add(relation.Name); continue; }
            foreach (var layer in new[] { h.HLayer, h.HLayerEdit })
                if (layer.Block is int b && b >= lm.Model.NumLayers) beyond.Add($"'{relation.Name}' layer {b} ({Path.GetFileName(h.SourceFile)})");
            result[relation.Name] = h;
        }
        if (beyond.Count > 0)
            throw new RelensException($"--paper-hparams={model}: the model has {lm.Model.NumLayers} blocks, but the paper's hparams use {string.Join(", ", beyond.Distinct())}");
        if (missing.Count > 0)
            notes.Add($"the paper has no {model} hparams for {string.Join(", ", missing.Select(m => $"'{m}'"))}: swept with the run's settings");
        return result;
    }

    /// <summary>The run's settings with the paper's layers, β and rank (capped at d, the largest rank there is).</summary>
    public static SweepSettings For(SweepSettings run, PaperHparams h, int hiddenSize) => run with
    {
        Layers = new[] { h.HLayer, h.HLayerEdit }.Distinct().OrderBy(l => l.Block ?? -1).ToList(),
        Beta = h.Beta,
        Betas = [h.Beta],
        Ranks = [Math.Min(h.Rank, hiddenSize)],
    };
}
