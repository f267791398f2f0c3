using Relens.World;
using TorchSharp;

namespace Relens.Tests.World;

[Collection(TorchRngCollection.Name)]
public class IclKnowledgeTests : IClassFixture<TinyWorldFixture>
{
    private readonly TinyWorldFixture _w;
    public IclKnowledgeTests(TinyWorldFixture w) => _w = w;

    [Theory]
    [InlineData(" Paris", "Paris", true)]
    [InlineData(" Par", "Paris", true)]
    [InlineData("PAR", " paris ", true)]
    [InlineData(" Lyon", "Paris", false)]
    [InlineData(" ", "Paris", false)]
    [InlineData("\n", "Paris", false)]
    [InlineData(" Parisian", "Paris", false)]
    public void Success_is_a_nonempty_case_insensitive_prefix(string token, string obj, bool expected) =>
        Assert.Equal(expected, Relens.Relations.PrefixMatch.IsNontrivialPrefix(token, obj));

    [Fact]
    public void Prompt_is_the_papers_format_and_drops_a_shot_with_the_query_subject()
    {
        var r = _w.Corpus.Relations.Single(x => x.Id == "factual/country_capital_city");
        var shots = r.Facts.Take(3).ToList();
        string p = IclKnowledge.Prompt(r, shots, shots[1].Subject);
        Assert.Equal("<|endoftext|>" + r.IclLine(shots[0]) + "\n" + r.IclLine(shots[2]) + "\n" + r.Template.Replace("{}", shots[1].Subject), p);
        Assert.StartsWith("<|endoftext|>The capital", p);
        Assert.False(p.EndsWith(' '));
    }

    [Fact]
    public void Batched_right_padded_prediction_equals_one_prompt_at_a_time()
    {
        torch.manual_seed(4);
        using var model = new BigramLm(_w.Vocab.VocabSize, 8);
        var prompts = new[] { "<|endoftext|>a b c", "<|endoftext|>The capital city of France is", "x" }
            .Select(_w.Ids).ToList();
        var batched = IclKnowledge.NextTokens(model, prompts);
        var single = prompts.Select(p => IclKnowledge.NextTokens(model, [p])[0]).ToArray();
        Assert.Equal(single, batched);
    }

    [Fact]
    public void Untrained_model_knows_little_and_every_fact_is_asked_once()
    {
        torch.manual_seed(5);
        using var model = new BigramLm(_w.Vocab.VocabSize, 8);
        var report = IclKnowledge.Measure(model, _w.Tokenizer, _w.Corpus.Relations);
        Assert.Equal(_w.Corpus.FactCount, report.Facts.Count);
        Assert.Equal(_w.Corpus.Relations.Select(r => r.Name).ToHashSet(), report.PerRelation.Keys.ToHashSet());
        Assert.True(report.Overall < 0.5);
    }
}
