namespace Relens.Cli.Output;

/// <summary>`relens COMMAND --help`: each command's usage text, printed instead of running.</summary>
public static class Usage
{
    /// <summary>--help or -h among a command's own arguments (those after a lone "--" belong to another command).</summary>
    public static bool Requested(IReadOnlyList<string> args) => args.TakeWhile(a => a != "--").Any(a => a is "--help" or "-h");

    /// <summary>The usage text of <paramref name="command"/>: Program.cs prints it for `relens NAME --help|-h` before the
    /// command runs, so no command starts work on a help request. A new command adds its text here.</summary>
    public static string Of(ICommand command) => command.Name switch
    {
        "doctor" => Doctor, "inspect" => Inspect, "run" => Run, "report" => Report, "merge" => Commands.MergeCommand.Usage,
        "slurm" => Commands.SlurmCommand.Usage, "estimate" => Estimate, "eval" => Eval, "lens" => Lens, "world" => World,
        "serve" => Serve, "model" => ModelInit + "\n\n" + ModelQuantize.Trim(), "bench" => Bench, "trace" => Trace, "edit" => Edit,
        "compare" => Compare,
        _ => $"relens {command.Name}\n\n{command.Summary}",
    };

    public const string Doctor = """
        relens doctor

        Prints the .NET, TorchSharp and libtorch versions, the native library and its GLIBCXX patch, the thread count,
        and measures the float32 1024³ matmul rate (exit 1 if libtorch does not load).
        """;

    public const string Inspect = """
        relens inspect --model DIR --prompt TEXT [--layers all|0,2,4] [--top 10] [--json]

        One prompt's tokens, top logits and hidden states, in the golden files' (Hugging Face's) field names.
          --layers   hidden_states indices 0..L (0 = embeddings, L = after the final norm; default: all)
          --top K    top logits to list, 1..vocabulary size (default: 10)
          --json     the result as JSON
        --quantize S  quantise the blocks' linear weights at load: q8_0 | q4_0 | nf4 (docs/QUANTIZATION.md)
        """;

    public const string Serve = """
        relens serve [--results DIR] [--model DIR] [--host 127.0.0.1] [--port 8765] [--threads N]

        The web viewer of a `relens run` folder (default: the current folder): relations, per-relation detail and the
        attribute lens (needs the run's model, or --model). See docs/WEB.md.
        """;

    public const string World = """
        relens world train [--world default|full|tiny] [--seed S] [--out DIR] [--minutes M | --steps N]
                           [--layers L --d-model D --heads H] [--local-layers K --window W] [--no-eval | --eval-only]
                           [--no-probe] [--lre-trials K] [--threads 2]

        Makes a world's text, fits its BPE, trains a small model from scratch (resumable), saves it as a Hugging Face
        folder and measures what it knows into accuracy.json. Defaults: the default world's recipe, a 6 × 256 GPT-Neo
        with blocks 0–2 local (--local-layers 3 --window 1), 2,000 steps cut to fit 30 minutes; --local-layers 0 trains
        the earlier GPT-2 default (R1). --threads: libtorch's threads for training and measuring (1 lets two
        trainings share a 2-core machine). See docs/WORLD.md.
        """;

    public const string ModelInit = """
        relens model init --arch gpt2|gptj|qwen2|… --layers L --dim D --heads H --out DIR [--vocab V] [--positions 1024]
                          [--tokenizer-from DIR] [--seed 0]

        A randomly initialised Hugging Face model folder (benchmarks, training runs). Without --vocab the vocabulary
        size comes from --tokenizer-from.
        """;

    public const string Bench = """
        relens bench [--reference] [--world-model DIR] [--skip-gpt2] [--skip-world] [--threads 2] [--omp-wait passive|active]
                     [--memory-budget-mb 1024] [--layers 12 --dim 768 --heads 12] [--seed 0] [--yardstick-seconds 1]
                     [--relations DIR] [--tokenizer-from DIR] [--json FILE]

        The LRE benchmarks of BENCHMARKS.md: Jacobian FLOP/s against this machine's matmul rate, the layer sweep,
        batched faithfulness and peak memory, on a GPT-2-small-shaped random model and on the world model.
        """;


    public static int Print(string text, TextWriter? output)
    {
        (output ?? Console.Out).WriteLine(text.Trim());
        return 0;
    }

    public const string Run = """
        relens run [--model DIR] [--relations DIR] [--only NAME...] [--layers all|emb,0,2,4] [--trials N] [--shots N]
                   [--beta B] [--betas LIST] [--ranks LIST] [--paper-hparams[=gptj|gpt2-xl|llama] | --no-paper-hparams]
                   [--seed S] [--out DIR] [--resume] [--no-progress] [--shard I/N | --shards N]
                   [--trace [--trace-facts 10] [--trace-kind all] [--trace-samples 10] [--trace-window W]]

        The paper's protocol per relation: n-shot prompts from seeded splits (trial t uses seed S+t), the known-fact
        filter, an LRE per layer, faithfulness over the β grid, causality over the rank grid, and the baselines.
          --model DIR      a Hugging Face checkpoint folder (default: the default model)
          --relations DIR  the relation JSONs (default: $RELENS_DATA, else ../shared/relations)
          --only NAME...   relation names or file stems (default: all)
          --layers         layers to sweep (default: all = emb and every block)
          --trials 3 --shots 8 --beta 2.25 --seed 0
          --betas LIST     β grid of the faithfulness sweep (default: 0, 0.25, …, 5)
          --ranks LIST     rank grid of the causality sweep, 'full' = d (default: 0..d in ~16 steps)
          --paper-hparams  each relation at the paper's layers, β and rank (relations/hparams/<model>/); on by
                           default for GPT-J-6B, GPT-2-XL and LLaMA-13B unless --layers/--beta/--betas/--ranks
                           are given; =MODEL names the hparams for another model; --no-paper-hparams turns it off
          --out DIR        output folder (default: relens-out); an existing non-empty one needs --resume
          --resume         continue an interrupted run with the same settings, skipping finished work
          --no-progress    plain log lines instead of progress bars (also when redirected or CI=true)
          --shard I/N      compute only shard I (0..N-1) of the run's units into DIR/shards/, then `relens merge DIR`;
                           without it SLURM_ARRAY_TASK_ID (or JOB_COMPLETION_INDEX with --shards N) selects one (docs/CLUSTER.md)
          --quantize S     quantise the blocks' linear weights at load: q8_0 | q4_0 (llama.cpp) | nf4 (bitsandbytes),
                           kept packed in memory; --quantize-embeddings quantises the embeddings too (docs/QUANTIZATION.md)
          --trace          then causal traces (`relens trace`) of each relation's first --trace-facts known facts under
                           trial 0's prompts, averaged by token role, in traces/ and report.html; --trace-kind
                           state,mlp,attn,knockout|all, --trace-samples noise draws, --trace-window W both windows
                           (default: the papers' 10 and 9 clamped to the model; small models: try 1)
        Samples whose subject cannot be located are skipped (listed at the end and in the report); a relation file
        that cannot be read is an error for that relation only: the run does the others, then exits with status 2.
        Writes run.json, results.jsonl/.csv, summary.json/.csv, lres/, report.html.
        """;

    public const string Edit = """
        relens edit --model DIR --edits FILE --out DIR2 [--layer L|auto] [--method lre-rank1|finetune] [--rank K]
                    [--shots 8] [--seed 0] [--beta 2.25] [--lambda 1] [--text FILE] [--relations DIR]
                    [--lr 5e-4] [--max-steps 200]
        relens edit --eval DIR2 [--relations DIR]
        relens edit --model DIR --experiment --out DIR2 [--edits FILE] [--singles 20] [--batches 1,10,50,100]
                    [--methods lre-rank1,finetune] [--layers emb,2] [--fluency-tokens 20000] [--statistics-tokens 100000]
        relens edit --combine DIR,DIR... --out DIR3

        Writes new facts into the weights. FILE is a TSV: subject, relation, new object (one edit per line).
          lre-rank1   per relation an LRE at layer L; Δh = W⁺_K(z′ − z), z′ from known subjects whose object is the
                      new one (the causality test's edit). Layer emb: the subject token's embedding row gets Δh (a
                      tied embedding is untied first, so outputs keep the old row). Block L: ROME's rank-one update
                      of the MLP output projection (MEMIT's least squares for several edits, weighted by --lambda),
                      with C = E[k kᵀ] from the world corpus or --text FILE (gpt2, llama/mistral).
          finetune    AdamW on all weights, on the relation's template sentences stating the new facts, until every
                      edit prompt answers its new object (checked every 5 steps) or --max-steps.
          --layer     emb, a block number, or auto (default: each relation's causality-best layer)
          --rank K    pseudo-inverse rank (default: the best of the sweep's rank grid on the relation's known facts)
        Measures efficacy, paraphrase, specificity, retention and perplexity (before/after), and the representation
        edit as a reference. DIR2 (new) gets config.json, model.safetensors (unchanged tensors byte-identical),
        tokenizer files and edits.json; nothing is written unless the edit completes. --eval re-measures DIR2.
        --experiment: the pool's (FILE's, else drawn from known facts) first --singles edits one at a time and its first
        1/10/50/100 at once, per method and (lre-rank1) per layer, on one loaded model measured once; writes
        experiment.json, editing.md, editing.html, editing.png and sets/*.json (rewritten after every set).
        --combine: one table and plot from several experiment folders (e.g. one process per arm).
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

    public const string Trace = """
        relens trace [--model DIR] (--relation NAME... | --prompt TEXT --subject S [--object O] [--force])
                     [--kind state,mlp,attn,knockout|all] [--samples 10] [--noise-factor 3] [--noise SIGMA] [--seed 1]
                     [--window 10] [--knockout-window 9] [--shots 8] [--split-seed 0] [--zero-shot] [--max-facts 50]
                     [--relations DIR] [--all-tokens] [--batch N] [--out DIR] [--quantize q8_0|q4_0|nf4]

        Where is the fact read? Causal tracing (Meng et al. 2022): the subject's token embeddings get Gaussian noise
        (σ = noise-factor × std of the token embedding matrix over the vocabulary, --samples seeded draws), then each
        (token, layer) state (state), or the MLP (mlp) or attention (attn) outputs of a --window of layers at one token,
        is restored to its clean value; the map is p(clean answer). Attention knockout (Geva et al. 2023): the last
        position's attention to the subject's tokens is blocked in the --knockout-window layers around each layer, and
        from each layer on; the map is the relative change of p(answer).
          --relation NAME...  trace the relation's known facts (the ICL prompts and known-fact filter of `relens run`,
                              trial 0) and average them by token role (ROME); --zero-shot uses zero-shot prompts
          --prompt --subject  trace one prompt ("\n" is a line break); --object checks that the model knows the fact
                              (its top-1 is a prefix of O); an unknown fact, or no --object, needs --force
          --all-tokens        also run the tokens before the subject (equal to the corrupted run by causality)
          --batch N           at most N restorations per forward pass (default: as many as 256 MiB allows; 1 = ROME)
          --out DIR           output folder (default: relens-trace): RELATION.trace.json or prompt.trace.json, PNG maps
        """;
}
