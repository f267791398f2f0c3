using System.Text.Json;
using System.Text.Json.Nodes;
using Relens.Checkpoints;
using Relens.Models;

namespace Relens.World;

/// <summary>
/// Saves a trained world model as a standard Hugging Face folder (GPT-2 or GPT-Neo): config.json,
/// model.safetensors (tied lm_head omitted, as transformers does), tokenizer.json + tokenizer_config.json,
/// and world.json describing how it was made (for people; nothing reads it back).
/// </summary>
public static class WorldCheckpoint
{
    public static void Save(string dir, TransformerLM model, ModelConfig config, int context, BpeVocabulary vocab,
        JsonObject? about = null, WorldCorpus? corpus = null)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        // tied models have no lm_head parameter: their unembedding is the token embedding
        var tensors = model.named_parameters().Select(p => (p.name, (TorchSharp.torch.Tensor)p.parameter)).ToList();
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors);
        TokenizerJson.Write(vocab, Path.Combine(dir, "tokenizer.json"));
        TokenizerJson.WriteConfig(vocab, Path.Combine(dir, "tokenizer_config.json"), context);
        if (corpus is not null) WorldFactsFile.Write(dir, corpus);
        if (about is not null)
            File.WriteAllText(Path.Combine(dir, "world.json"), about.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
