using System.Text.Json;
using Archive.Data.Blobs;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Engine.Evidence;
using Archive.Engine.Training;
using Archive.Formats.Claims;
using Archive.Specimens.Build;
using Microsoft.EntityFrameworkCore;

namespace Archive.Worker.Tests;

/// <summary>
/// The Brown recipe, shortened (150 language-model steps, 150 SAE steps on 256 windows: about two minutes on 2 cores)
/// but otherwise as shipped: the same vocabulary, splits, selection rule, thresholds and evidence methods.
/// </summary>
public sealed class BrownBundleFixture : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "archive-brown-" + Guid.NewGuid().ToString("N"));

    public BrownLanguageModelSpecimen Recipe { get; } = new() { TrainSteps = 150, SaeSteps = 150, SaeWindows = 256 };

    public string Bundle { get; }

    public BrownBundleFixture()
    {
        Bundle = Path.Combine(Folder, Recipe.Slug);
        Directory.CreateDirectory(Bundle);
        Recipe.Build(Bundle, new Progress<TrainingProgress>(), CancellationToken.None);
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>
/// The rebuilt Brown bundle imports (its check token set rebuilt from the corpus and stored as a blob), and the worker
/// re-checks every claim it writes from the stored files alone, getting the numbers the build measured.
/// </summary>
public sealed class BrownBundleTests(WorkerFixture worker, BrownBundleFixture brown) : IClassFixture<BrownBundleFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await worker.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_worker_recomputes_every_claim_of_the_rebuilt_brown_bundle_from_the_stored_files()
    {
        await worker.ImportAsync(brown.Bundle);
        await worker.RunQueueAsync();

        await using var db = worker.CreateDbContext();
        var runs = await db.EvidenceRuns.Include(r => r.Claim).ToListAsync();
        Assert.Equal(brown.Recipe.Measured.Keys.Order(StringComparer.Ordinal), runs.Select(r => r.Claim.Key).Order(StringComparer.Ordinal));
        Assert.Contains(runs, r => r.Claim.Method == "sae_feature");
        foreach (var run in runs)
        {
            // The thresholds are predictions, so a shortened model may miss one; the worker must then say so too.
            var measured = brown.Recipe.Measured[run.Claim.Key];
            Assert.True(run.HeadlineValue is { } v && Math.Abs(v - measured) < 1e-6, $"{run.Claim.Key}: the worker measured {run.HeadlineValue} ({run.Error}), the build {measured}");
            var holds = measured >= run.Claim.Expected;
            Assert.Equal(holds ? EvidenceVerdict.Supported : EvidenceVerdict.Refuted, run.Verdict);
        }

        // Feature claims read the check split, named by the sha256 of its ids: a blob the archive holds, disjoint from
        // the selection split the dashboards (and so the choice of features) were computed on.
        var dashboards = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(brown.Bundle, "sae", "features.json"))).RootElement;
        var selectionSha = dashboards.GetProperty("token_set").GetProperty("sha256").GetString();
        Assert.Equal(CorpusTokenSet.Describe(CorpusTokenSet.Selection, 512, 128), dashboards.GetProperty("token_set").GetProperty("generator").GetString());
        var vocabulary = RestrictedVocabulary.FromJson(await File.ReadAllTextAsync(Path.Combine(brown.Bundle, "vocab.json")));
        foreach (var run in runs.Where(r => r.Claim.Method == "sae_feature"))
        {
            var tokenSet = run.Inputs!.RootElement.GetProperty("token_set");
            Assert.Equal(CorpusTokenSet.Check, tokenSet.GetProperty("split").GetString());
            var sha = tokenSet.GetProperty("sha256").GetString()!;
            Assert.NotEqual(selectionSha, sha);
            await worker.BlobStore.VerifyAsync(ContentHash.Parse(sha), CancellationToken.None);

            // The control beside the number: the property's base rate in that text.
            var numbers = run.Numbers!.RootElement;
            var baseRate = numbers.GetProperty("control").GetProperty("base_rate").GetDouble();
            Assert.Equal(numbers.GetProperty("predicate_tokens").GetInt64() / (double)numbers.GetProperty("tokens").GetInt64(), baseRate, 12);
            Assert.Contains(BrownFeatureSelection.Percent(baseRate), run.Claim.Statement);
        }

        // The check blob decodes to the corpus's own text: <|endoftext|>, then the first check document, byte for byte.
        var checkSha = runs.First(r => r.Claim.Method == "sae_feature").Inputs!.RootElement.GetProperty("token_set").GetProperty("sha256").GetString()!;
        await using var blob = await worker.BlobStore.OpenReadAsync(ContentHash.Parse(checkSha), null, CancellationToken.None);
        using var copy = new MemoryStream();
        await blob.CopyToAsync(copy);
        var ids = Enumerable.Range(0, 1024).Select(i => BitConverter.ToInt32(copy.GetBuffer(), 4 * i)).ToArray();
        var documents = BrownCorpus.Load(BrownCorpus.EnsureAvailable());
        var first = documents.Where((_, i) => CorpusTokenSet.Contains(CorpusTokenSet.Check, i)).First();
        var text = vocabulary.Decode(ids);
        Assert.StartsWith(RestrictedVocabulary.EndOfText, text);
        Assert.StartsWith(text[RestrictedVocabulary.EndOfText.Length..], first.Text);
        Assert.DoesNotContain(RestrictedVocabulary.Unknown, await File.ReadAllTextAsync(Path.Combine(brown.Bundle, "sae", "features.json")));
        Assert.DoesNotContain(RestrictedVocabulary.Unknown, await File.ReadAllTextAsync(Path.Combine(brown.Bundle, "vocab.json")));
    }
}
