using System.Diagnostics;
using System.Runtime;
using Relens.Lens;
using Relens.Models;
using TorchSharp;
using Xunit.Abstractions;

namespace Relens.Tests.Web;

/// <summary>Lens requests share one model: concurrent ones must not see each other's activations, and many must not leak.</summary>
[Collection(WebCollection.Name)]
[Trait(TestCategories.Name, TestCategories.Golden)]
public class LensConcurrencyTests(WebServerFixture web, ITestOutputHelper output)
{
    // different lengths and words, so a run that captured another request's states would be visibly wrong
    private static readonly string[] Prompts =
    [
        "The capital city of France is", "Paris", "A banana is yellow on the inside and", "The opposite of happy is",
        "Tokyo is located in the country of", "x", "Once upon a time there was a little fox who lived in the forest",
        "1 2 3 4 5", "The Eiffel Tower is in", "Hello, world!",
    ];

    private sealed record LensCall(string prompt, string lre, int top);

    private static LensCall Request(int i) => new(
        Prompts[i % Prompts.Length],
        (i % 3) switch { 0 => "identity", 1 => "country_capital_city", _ => "fruit_inside_color" },
        3 + i % 3);

    [Fact]
    public async Task TwentyConcurrentRequestsEachGetTheirOwnCorrectResult()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
            (i, body: await WebServerFixture.Json(await web.PostLens(Request(i))))));

        // the reference: AttributeLens on a model of our own, one request at a time
        using var lm = LanguageModel.Load(web.Run.ModelDirectory);
        foreach (var (i, body) in responses)
        {
            var r = Request(i);
            using var op = r.lre == "identity" ? null : web.Run.Folder.LoadLre(r.lre, lm);
            var expected = AttributeLens.Run(lm, r.prompt, op, r.top);
            Assert.Equal(r.lre, body.GetProperty("lre").GetString());
            LensAssert.SameAs(expected, body.GetProperty("result"));
        }
    }

    [Fact]
    public async Task MemoryIsFlatOver500Requests()
    {
        // warm-up: JIT, libtorch's allocator pools, the LRE cache, Kestrel's buffers
        await Batch(0, 40);
        Settle();
        long rssBefore = Rss(), managedBefore = GC.GetTotalMemory(true), tensorsBefore = torch.Tensor.TotalCount;

        for (int n = 40; n < 540; n += 100)
        {
            await Batch(n, n + 100);
            Settle();
            output.WriteLine($"after {n + 100 - 40} requests: RSS {Rss() / 1e6:F1} MB, live tensors {torch.Tensor.TotalCount}");
        }

        // live tensors first, before any forced GC: a tensor left to the finalizer would still be counted here
        long tensorsAfter = torch.Tensor.TotalCount;
        Settle();
        long rssAfter = Rss(), managedAfter = GC.GetTotalMemory(true);
        output.WriteLine($"RSS {rssBefore / 1e6:F1} → {rssAfter / 1e6:F1} MB; managed {managedBefore / 1e6:F1} → {managedAfter / 1e6:F1} MB; live tensors {tensorsBefore} → {tensorsAfter}");

        // One request decodes a [layers·tokens, 50257] grid (~4–20 MB here): leaking it, or the per-request
        // copies of the activations, would add hundreds of MB over 500 requests. The bounds leave room for
        // allocator and GC noise, not for a per-request leak.
        Assert.True(tensorsAfter - tensorsBefore <= 0, $"live tensors grew from {tensorsBefore} to {tensorsAfter}");
        Assert.True(managedAfter - managedBefore < 20_000_000, $"managed heap grew by {(managedAfter - managedBefore) / 1e6:F1} MB");
        Assert.True(rssAfter - rssBefore < 100_000_000, $"RSS grew by {(rssAfter - rssBefore) / 1e6:F1} MB");
    }

    /// <summary>Requests [from, to), four at a time (like a page and a few scripts at once).</summary>
    private async Task Batch(int from, int to)
    {
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(from, to - from).Select(async i =>
        {
            await gate.WaitAsync();
            try { await WebServerFixture.Json(await web.PostLens(Request(i))); }
            finally { gate.Release(); }
        }));
    }

    /// <summary>Collects garbage and hands freed native heap back to the OS, so RSS counts memory still held.</summary>
    private static void Settle()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        if (OperatingSystem.IsLinux()) malloc_trim(0);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int malloc_trim(nuint pad);

    private static long Rss()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}
