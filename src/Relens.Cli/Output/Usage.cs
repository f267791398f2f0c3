namespace Relens.Cli.Output;

/// <summary>`relens COMMAND --help`: each command's usage text, printed instead of running.</summary>
public static class Usage
{
    public static bool Requested(IReadOnlyList<string> args) => args.Any(a => a is "--help" or "-h");

    public static int Print(string text, TextWriter? output)
    {
        (output ?? Console.Out).WriteLine(text.Trim());
        return 0;
    }

    public const string Run = """
        relens run [--model DIR] [--relations DIR] [--only NAME...] [--layers all|emb,0,2,4] [--trials N] [--shots N]
                   [--beta B] [--betas LIST] [--ranks LIST] [--seed S] [--out DIR] [--resume] [--no-progress]

        The paper's protocol per relation: n-shot prompts from seeded splits (trial t uses seed S+t), the known-fact
        filter, an LRE per layer, faithfulness over the β grid, causality over the rank grid, and the baselines.
          --model DIR      a Hugging Face checkpoint folder (default: the default model)
          --relations DIR  the relation JSONs (default: $RELENS_DATA, else ../shared/relations)
          --only NAME...   relation names or file stems (default: all)
          --layers         layers to sweep (default: all = emb and every block)
          --trials 3 --shots 8 --beta 2.25 --seed 0
          --betas LIST     β grid of the faithfulness sweep (default: 0, 0.25, …, 5)
          --ranks LIST     rank grid of the causality sweep, 'full' = d (default: 0..d in ~16 steps)
          --out DIR        output folder (default: relens-out); an existing non-empty one needs --resume
          --resume         continue an interrupted run with the same settings, skipping finished work
          --no-progress    plain log lines instead of progress bars (also when redirected or CI=true)
          --quantize S     quantise the blocks' linear weights at load: q8_0 | q4_0 (llama.cpp) | nf4 (bitsandbytes),
                           kept packed in memory; --quantize-embeddings quantises the embeddings too (docs/QUANTIZATION.md)
        Writes run.json, results.jsonl/.csv, summary.json/.csv, lres/, report.html.
        """;

    public const string Report = """
        relens report --results DIR [--model DIR] [--relations DIR] [--no-lens]

        Re-renders summary.json, summary.csv and report.html of a run folder from its results.jsonl. The lens heat maps
        need the model (run.json's model_directory, or --model); without it they are left out with a note.
        """;

    public const string Estimate = """
        relens estimate --model DIR --relation FILE|NAME --layer L [--beta 2.25] [--shots 8] [--seed 0]
                        [--train-subjects FILE] [--relations DIR] [--out PREFIX]

        Estimates one LRE (mean Jacobian over the training samples, each prompted with the other n−1 as shots) and
        writes PREFIX.safetensors (weight [d,d] unscaled, bias [d]) and PREFIX.json (β, layer, prompt template,
        training samples, model identity, timings). --train-subjects: one subject per line, used in that order;
        otherwise the seeded split (the same as trial 0 of `relens run --seed S`). Default PREFIX: STEM_layerL.
        --quantize S  quantise the blocks' linear weights at load: q8_0 | q4_0 (llama.cpp) | nf4 (bitsandbytes),
                      kept packed in memory; --quantize-embeddings quantises the embeddings too (docs/QUANTIZATION.md)
        """;

    public const string Eval = """
        relens eval --lre PREFIX [--model DIR] [--relations DIR] [--ranks LIST] [--seed 0] [--json]

        Faithfulness (recall@1..3) and causality (per rank) of a saved LRE on its relation's samples other than its
        training samples, keeping those the LM answers correctly under the LRE's prompt. The model defaults to the
        one recorded in PREFIX.json; an LRE of another model is refused.
        --quantize S  quantise the blocks' linear weights at load: q8_0 | q4_0 (llama.cpp) | nf4 (bitsandbytes),
                      kept packed in memory; --quantize-embeddings quantises the embeddings too (docs/QUANTIZATION.md)
        """;

    public const string Lens = """
        relens lens --lre PREFIX|identity (--prompt TEXT | --subject S) [--model DIR] [--top 5] [--expect OBJECT]
                    [--columns 24] [--png OUT.png] [--no-color]

        The attribute lens: the LRE applied to the state at every layer and token of the prompt, decoded to its top
        tokens ("identity" gives the logit lens). --subject fills the LRE's own n-shot prompt; "\n" in --prompt is a
        line break. Cells whose top-1 is a prefix of --expect are marked. --png also writes the heat map as an image.
        --quantize S  quantise the blocks' linear weights at load: q8_0 | q4_0 (llama.cpp) | nf4 (bitsandbytes),
                      kept packed in memory; --quantize-embeddings quantises the embeddings too (docs/QUANTIZATION.md)
        """;

    public const string Compare = """
        relens compare RUN_A RUN_B [--out DIR]

        Two `relens run` folders of the same relations and protocol (typically one model at float32 and with --quantize S):
        per relation ΔF and ΔC (B − A, at each run's causality-best layer), Δ(known facts), the cosine between the two
        saved LREs' W and ‖W_B − W_A‖/‖W_A‖, and whether the best layer moved. Prints the table and writes compare.csv and
        compare.html (paired bar chart) into --out (default: RUN_B). Runs of different relation sets or protocols are refused.
        """;

    public const string ModelQuantize = """
        relens model quantize --model DIR --scheme q8_0|q4_0|nf4 --out DIR2 [--quantize-embeddings]

        Quantises the blocks' linear weights as `--quantize S` does and writes the dequantised model as an ordinary float32
        Hugging Face folder: model.safetensors, config.json, the tokenizer and other files of DIR, and quantization.json
        (scheme, group size, the quantised tensors). Loading DIR2 without --quantize gives exactly the weights a run with
        --quantize S measures.
        """;
}
