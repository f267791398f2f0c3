using Relens.Models;
using Relens.Models.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Relens.Inspection;

/// <summary>
/// One prompt's tokens, top logits and hidden states in the field names of the golden files
/// (Hugging Face's conventions), so a Relens run can be diffed against transformers directly.
/// hidden_states[0] = embedding output, [k] = output of block k−1, and the last entry has the final
/// norm applied, exactly as HF's output_hidden_states.
/// </summary>
public sealed record InspectionResult(
    string prompt,
    int[] input_ids,
    string[] tokens,
    int[] last_logits_topk_ids,
    float[] last_logits_topk_values,
    double last_logits_logsumexp,
    int greedy_next_token_id,
    string greedy_next_token,
    SortedDictionary<int, float[]> hidden_states_last_pos);

public static class Inspector
{
    /// <param name="layers">HF hidden_states indices to report (0..L); null = all.</param>
    public static InspectionResult Inspect(LanguageModel lm, string prompt, IReadOnlyCollection<int>? layers = null, int topK = 10)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var model = lm.Model;
        int L = model.NumLayers;
        var wanted = layers ?? Enumerable.Range(0, L + 1).ToArray();
        foreach (var k in wanted)
            if (k < 0 || k > L) throw new RelensException($"hidden state index {k} is out of range 0..{L} for this {L}-layer model");

        var encoding = lm.Tokenizer.Encode(prompt);
        if (encoding.Count == 0) throw new RelensException("the prompt has no tokens");
        string HookFor(int k) => k == 0 ? HookNames.ResidPre(0) : k == L ? HookNames.LnFinal : HookNames.ResidPost(k - 1);
        using var capture = new ActivationCapture(model.HookPoints, wanted.Select(HookFor).Distinct());
        var ids = torch.tensor(encoding.Ids.Select(i => (long)i).ToArray(), [1, encoding.Count], ScalarType.Int64);
        var output = model.Forward(new ForwardInput { InputIds = ids, Logits = LogitsAt.All });
        // The last hidden state is ln_f(z) at the last position: run the final norm hook via Decode (LogitsAt.All did).
        var last = output.Logits!.select(0, 0).select(0, -1).to(ScalarType.Float64);
        var (values, indices) = last.topk(Math.Min(topK, (int)last.shape[0]));
        var top = indices.data<long>().Select(i => (int)i).ToArray();
        var hidden = new SortedDictionary<int, float[]>();
        foreach (var k in wanted)
            hidden[k] = capture[HookFor(k)].select(0, 0).select(0, -1).to(ScalarType.Float32).data<float>().ToArray();
        return new InspectionResult(
            prompt,
            encoding.Ids,
            encoding.Tokens,
            top,
            values.to(ScalarType.Float32).data<float>().ToArray(),
            last.logsumexp(0).item<double>(),
            top[0],
            lm.Tokenizer.Decode(top[0]),
            hidden);
    }
}
