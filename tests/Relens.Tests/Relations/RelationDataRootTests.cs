using Relens.Relations;

namespace Relens.Tests.Relations;

public class RelationDataRootTests
{
    private static string MakeDataFolder(string parent)
    {
        string cat = Path.Combine(parent, "factual");
        Directory.CreateDirectory(cat);
        File.WriteAllText(Path.Combine(cat, "toy.json"),
            """{"name": "toy", "prompt_templates": ["{} is"], "samples": [{"subject": "a", "object": "b"}]}""");
        return parent;
    }

    [Fact]
    public void ExplicitFolderWinsOverEnvironment()
    {
        string a = MakeDataFolder(TestPaths.NewTempDir("root-a"));
        string b = MakeDataFolder(TestPaths.NewTempDir("root-b"));
        Assert.Equal(a, RelationDataRoot.Resolve(a, b, []));
        Assert.Equal(b, RelationDataRoot.Resolve(null, b, []));
    }

    [Fact]
    public void WalksUpToSharedRelations()
    {
        string top = TestPaths.NewTempDir("root-walk");
        string data = MakeDataFolder(Path.Combine(top, "shared", "relations"));
        string deep = Path.Combine(top, "repo", "src", "bin");
        Directory.CreateDirectory(deep);
        Assert.Equal(data, RelationDataRoot.Resolve(null, null, [deep]));
    }

    [Fact]
    public void FindsSharedBesideTheCheckoutFromTheTestBinaries()
    {
        // The test binaries sit in <repo>/tests/.../bin; the walk up must reach <repo>/../shared/relations.
        string besideCheckout = Path.GetFullPath(Path.Combine(TestPaths.RepoRoot, "..", "shared", "relations"));
        if (!Directory.Exists(besideCheckout)) return; // shared data kept elsewhere (RELENS_SHARED): nothing to find
        Assert.Equal(besideCheckout, RelationDataRoot.Resolve(null, null, [AppContext.BaseDirectory]));
    }

    [Fact]
    public void MissingOrEmptyFoldersAreErrorsSayingWhere()
    {
        string empty = TestPaths.NewTempDir("root-empty");
        var e = Assert.Throws<RelensException>(() => RelationDataRoot.Resolve(empty, null, []));
        Assert.Contains(empty, e.Message);
        Assert.Contains("no relation files", e.Message);

        string missing = Path.Combine(empty, "missing");
        e = Assert.Throws<RelensException>(() => RelationDataRoot.Resolve(null, missing, []));
        Assert.Contains(missing, e.Message);
        Assert.Contains(RelationDataRoot.EnvironmentVariable, e.Message);

        // Nothing to find walking up: the message lists the places looked at.
        string deep = Path.Combine(empty, "x", "y");
        Directory.CreateDirectory(deep);
        e = Assert.Throws<RelensException>(() => RelationDataRoot.Resolve(null, null, [deep]));
        Assert.Contains(Path.Combine(deep, "shared", "relations"), e.Message);
        Assert.Contains(Path.Combine(empty, "shared", "relations"), e.Message);
    }
}
