using Relens.World;

namespace Relens.Tests.World;

public class WorldCorpusTests
{
    private static WorldCorpus Tiny() => WorldCorpus.Build(WorldSpec.Tiny, TestPaths.Relations);

    [Fact]
    public void Same_spec_and_epoch_give_the_same_documents_and_other_epochs_differ()
    {
        var a = Tiny();
        var b = Tiny();
        Assert.Equal(a.Documents(0), b.Documents(0));
        Assert.Equal(a.Documents(3), b.Documents(3));
        Assert.NotEqual(a.Documents(0), a.Documents(1));
    }

    [Fact]
    public void Every_fact_appears_each_epoch_as_a_line_of_a_paper_format_ICL_document()
    {
        var corpus = Tiny();
        var icl = corpus.Documents(2).Where(d => d.StartsWith(WorldDocuments.EndOfText, StringComparison.Ordinal))
            .Select(d => d[WorldDocuments.EndOfText.Length..].Split('\n'))
            .Where(lines => lines.All(l => corpus.Relations.Any(r => r.Facts.Any(f => r.IclLine(f) == l))))
            .SelectMany(l => l).ToHashSet();
        foreach (var r in corpus.Relations)
            foreach (var f in r.Facts)
                Assert.Contains(r.Template.Replace("{}", f.Subject) + " " + f.Object, icl);
    }

    [Fact]
    public void Tiny_world_takes_its_relations_with_the_sizes_asked_and_object_balanced()
    {
        var corpus = Tiny();
        Assert.Equal(WorldSpec.Tiny.Relations.Select(p => p.Id), corpus.Relations.Select(r => r.Id));
        foreach (var (pick, r) in WorldSpec.Tiny.Relations.Zip(corpus.Relations))
        {
            Assert.Equal(pick.MaxFacts, r.Facts.Count);
            Assert.Equal(r.Facts.Count, r.Facts.Select(f => f.Subject).Distinct().Count());
        }
        // name gender has 2 objects: a balanced sample of 12 has 6 of each.
        var gender = corpus.Relations.Single(r => r.Id == "bias/name_gender");
        Assert.All(gender.Facts.GroupBy(f => f.Object), g => Assert.Equal(6, g.Count()));
    }

    [Fact]
    public void Synthetic_people_get_unique_single_word_names_and_one_value_per_attribute()
    {
        var spec = WorldSpec.Tiny with
        {
            Relations = [new("factual/person_plays_pro_sport", 5), new("factual/person_plays_instrument", 5)],
            People = new SyntheticPeople(30, ["factual/person_plays_pro_sport", "factual/person_plays_instrument"]),
        };
        var corpus = WorldCorpus.Build(spec, TestPaths.Relations);
        var real = corpus.Relations.SelectMany(r => r.Facts.Take(5)).Select(f => f.Subject).ToHashSet();
        var people = corpus.Entities.Where(e => !real.Contains(e.Subject)).ToList();
        Assert.Equal(30, people.Count);
        Assert.All(people, p =>
        {
            Assert.DoesNotContain(' ', p.Subject);
            Assert.Equal(2, p.Facts.Count);
            Assert.Equal(2, p.Facts.Select(f => f.Relation.Id).Distinct().Count());
        });
        var sportObjects = WorldRelationFile.Load(TestPaths.Relations, "factual/person_plays_pro_sport").Objects;
        Assert.All(people, p => Assert.Contains(p.Facts.Single(f => f.Relation.Id.EndsWith("sport")).Object, sportObjects));
        // Profiles name both of a person's attributes in one line.
        var profileLines = corpus.Documents(0).SelectMany(d => d.Split('\n'));
        Assert.Contains(profileLines, l => l.Contains(people[0].Subject + " plays the sport of") || l.Contains("sport does " + people[0].Subject));
    }

    [Fact]
    public void Compact_lines_put_the_object_right_after_the_subject()
    {
        var r = Tiny().Relations[0];
        var docs = WorldDocuments.Mixed(r, new Random(5), 9, compactShare: 1.0).ToList();
        var lines = docs.SelectMany(d => d[WorldDocuments.EndOfText.Length..].Split('\n')).ToHashSet();
        Assert.All(r.Facts, f => Assert.Contains(f.Subject + " " + f.Object, lines));
    }

    [Fact]
    public void A_held_out_split_never_shows_its_facts_in_the_template_form_but_still_teaches_them()
    {
        var spec = WorldSpec.Default with { Mix = WorldSpec.Default.Mix with { HeldOutShare = 0.5 } };
        var corpus = WorldCorpus.Build(spec, TestPaths.Relations);
        Assert.Empty(WorldCorpus.Build(WorldSpec.Default, TestPaths.Relations).HeldOut);
        foreach (var r in corpus.Relations)
        {
            // half of each relation, and of each object's facts (±1), so the split keeps the object distribution
            int held = r.Facts.Count(f => corpus.IsHeldOut(r, f));
            Assert.InRange(held, r.Facts.Count / 2 - 1, (r.Facts.Count + 1) / 2 + 1);
            foreach (var g in r.Facts.GroupBy(f => f.Object))
                Assert.InRange(g.Count(f => corpus.IsHeldOut(r, f)), g.Count() / 2 - 1, (g.Count() + 1) / 2 + 1);
        }
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var text = string.Join("\n", corpus.Documents(epoch));
            var lines = corpus.Documents(epoch).SelectMany(d => d.Replace(WorldDocuments.EndOfText, "").Split('\n')).ToHashSet();
            foreach (var r in corpus.Relations)
                foreach (var f in r.Facts)
                {
                    if (corpus.IsHeldOut(r, f))
                    {
                        // the template prompt itself, anywhere (an ICL line, a profile sentence): never; the compact line: every epoch
                        Assert.DoesNotContain(r.Prompt(f.Subject) + " ", text);
                        Assert.Contains(f.Subject + " " + f.Object, lines);
                    }
                    else Assert.Contains(r.IclLine(f), lines);
                }
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    public void A_held_out_share_outside_0_to_1_is_an_error_naming_the_option(double share)
    {
        var spec = WorldSpec.Tiny with { Mix = WorldSpec.Tiny.Mix with { HeldOutShare = share } };
        var e = Assert.Throws<RelensException>(() => WorldCorpus.Build(spec, TestPaths.Relations));
        Assert.Contains("--held-out-share", e.Message);
    }

    [Fact]
    public void Presets_resolve_and_full_lists_every_relation_file()
    {
        Assert.Equal("tiny", WorldSpec.Preset("tiny").Name);
        var def = WorldCorpus.Build(WorldSpec.Preset("default"), TestPaths.Relations);
        Assert.Equal(4, def.Relations.Select(r => r.Category).Distinct().Count());
        Assert.Equal(47, WorldSpec.Preset("full", TestPaths.Relations).Relations.Count);
        Assert.Throws<RelensException>(() => WorldSpec.Preset("huge"));
    }

    [Fact]
    public void A_missing_relation_file_is_a_relens_error_naming_it()
    {
        var spec = WorldSpec.Tiny with { Relations = [new("factual/no_such_relation")] };
        var e = Assert.Throws<RelensException>(() => WorldCorpus.Build(spec, TestPaths.Relations));
        Assert.Contains("no_such_relation", e.Message);
    }
}
