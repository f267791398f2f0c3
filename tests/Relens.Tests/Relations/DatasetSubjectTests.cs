using Relens.Relations;
using Relens.Tests.Tokenization;
using Relens.Tokenization;

namespace Relens.Tests.Relations;

/// <summary>Every prompt the sweep builds, for every sample of the paper's 47 relations, with both tokenizer
/// kinds (GPT-2 byte-level BPE and LLaMA's SentencePiece BPE): the subject is found, as the paper's
/// <c>find_token_range</c> finds it (first token with start ≤ char_end ≤ end). Tokenizers only, no model.</summary>
[Trait(TestCategories.Name, TestCategories.Golden)]
public class DatasetSubjectTests
{
    public static TheoryData<string> Tokenizers => new("gpt2-tiny", "llama-tiny");

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void EverySampleOfAll47RelationsIsPromptedAndLocated(string model)
    {
        var tokenizer = GoldenTokenizers.Get(model);
        // LanguageModel.PromptPrefix: EOS text for GPT-2, nothing for LLaMA (its tokenizer adds BOS)
        bool addsBos = tokenizer.Encode("a").Ids[0] == tokenizer.BosTokenId;
        string prefix = addsBos ? "" : tokenizer.EosToken!;
        var dataset = SharedRelations.Dataset;
        Assert.Equal(47, dataset.Count);
        Assert.Equal(11089, dataset.Sum(r => r.Samples.Count));
        int located = 0;
        foreach (var relation in dataset)
        {
            var train = relation.Split(8, 0).Train.Samples;
            string operatorTemplate = IclPrompt.Template(relation.PromptTemplate, train, prefix);
            foreach (var sample in relation.Samples)
            {
                // the test prompt (all n shots); a training prompt ends in the same "\n" + template(subject)
                Check(IclPrompt.FillQuery(operatorTemplate, sample.Subject), sample.Subject);
                located++;
            }
        }
        Assert.Equal(11089, located);

        void Check(string prompt, string subject)
        {
            var (enc, i) = SubjectLocator.Locate(tokenizer, prompt, subject);
            int charEnd = prompt.LastIndexOf(subject, StringComparison.Ordinal) + subject.Length;
            // the paper's rule, computed here on the offsets without skipping anything
            int paper = Array.FindIndex(enc.Offsets, o => o.Start <= charEnd && charEnd <= o.End);
            Assert.True(paper == i, $"{model}: '{subject}' → token {i}, the paper's rule gives {paper}, in \"{prompt}\"");
            // and it holds the subject's last character
            Assert.True(enc.Offsets[i].Start < charEnd, $"{model}: '{subject}' → token {i} \"{enc.Tokens[i]}\" {enc.Offsets[i]} does not hold character {charEnd - 1}");
        }
    }
}
