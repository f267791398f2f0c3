using System.Text.Json;

namespace Relens.World;

/// <summary>
/// Where a run is: enough, together with the model and optimizer files, to continue it as if it had not
/// stopped. The data position is (epoch, batch) because an epoch's blocks are a pure function of the
/// epoch number; the torch RNG state is kept for anything random inside the model (e.g. dropout).
/// </summary>
public sealed record TrainState(
    int Step, int Epoch, int BatchInEpoch, int PlannedSteps, double ElapsedSeconds, long TokensSeen,
    int Seed, string TorchRngState, List<double> LossCurve)
{
    public const string StateFile = "train-state.json";
    public const string ModelFile = "train-model.bin";
    public const string OptimizerFile = "train-optimizer.bin";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static TrainState? TryLoad(string dir)
    {
        string path = Path.Combine(dir, StateFile);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<TrainState>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw RelensException.InFile(path, "unreadable training state: " + e.Message); }
    }

    /// <summary>Written last and by rename, so a state file always describes complete model/optimizer files.</summary>
    public void Save(string dir)
    {
        string tmp = Path.Combine(dir, StateFile + ".tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, Path.Combine(dir, StateFile), overwrite: true);
    }
}
