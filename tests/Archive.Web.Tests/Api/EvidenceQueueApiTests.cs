using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Archive.Data.Evidence;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Api;

/// <summary>Cancelling runs, reading their attempts, and downloading the inputs a record names, over HTTP.</summary>
public sealed class EvidenceQueueApiTests(ArchiveFixture archive) : IAsyncLifetime
{
    private int claimId;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        await using var db = archive.CreateDbContext();
        var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction", "Induction"));
        claimId = (await db.Claims.FirstAsync(c => c.RevisionId == specimen.CurrentRevisionId, Ct)).Id;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_queued_run_is_cancelled_at_once_and_a_finished_one_cannot_be()
    {
        using var client = archive.CreateClient();
        using var queued = await client.PostAsync($"/api/v1/claims/{claimId}/evidence", null, Ct);
        var runId = (await queued.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        using var cancel = await client.PostAsync($"/api/v1/evidence/{runId}/cancel", null, Ct);
        using var again = await client.PostAsync($"/api/v1/evidence/{runId}/cancel", null, Ct);
        using var unknown = await client.PostAsync($"/api/v1/evidence/{Guid.NewGuid()}/cancel", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("Cancelled", (await cancel.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        // Cancelled is not pending: the claim can be queued again.
        using var requeued = await client.PostAsync($"/api/v1/claims/{claimId}/evidence", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, requeued.StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_running_run_records_the_request_for_its_worker()
    {
        Guid runId;
        await using (var db = archive.CreateDbContext())
        {
            runId = (await EvidenceRequests.QueueAsync(db, claimId, "test", EvidencePriority.Person, Ct)).RunId;
            await db.EvidenceRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, EvidenceStatus.Running).SetProperty(r => r.LeaseOwner, "w1"), Ct);
        }

        using var cancel = await archive.CreateClient().PostAsync($"/api/v1/evidence/{runId}/cancel", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var body = await cancel.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Running", body.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, body.GetProperty("cancelRequestedAt").ValueKind);
    }

    [Fact]
    public async Task A_record_lists_its_attempts_and_serves_the_inputs_it_names_and_nothing_else()
    {
        var tokens = new byte[4 * 2 * 8];
        new Random(80).NextBytes(tokens);
        var named = await archive.StoreFileAsync(tokens);
        var other = await archive.StoreFileAsync([1, 2, 3]);
        var labels = await archive.StoreFileAsync([7, 1, 4]);
        var runId = Guid.NewGuid();
        await using (var db = archive.CreateDbContext())
        {
            var claim = await db.Claims.SingleAsync(c => c.Id == claimId, Ct);
            var run = ArchiveTestData.FinishedRun(claim, EvidenceVerdict.Supported, 0.9);
            run.Id = runId;
            run.Inputs = JsonDocument.Parse($$$"""{"token_set": {"windows": 2, "length": 8, "sha256": "{{{named.Hex}}}"}, "images": {"labels_sha256": "{{{labels.Hex}}}"}}""");
            run.AttemptRecords.Add(new EvidenceRunAttempt { Number = 1, Worker = "w1", StartedAt = DateTimeOffset.UtcNow, EndedAt = DateTimeOffset.UtcNow, Outcome = EvidenceAttemptOutcome.LeaseLost });
            run.AttemptRecords.Add(new EvidenceRunAttempt { Number = 2, Worker = "w2", StartedAt = DateTimeOffset.UtcNow, EndedAt = DateTimeOffset.UtcNow, Outcome = EvidenceAttemptOutcome.Completed });
            db.EvidenceRuns.Add(run);
            await db.SaveChangesAsync(Ct);
        }
        using var client = archive.CreateClient();

        var record = await client.GetFromJsonAsync<JsonElement>($"/api/v1/evidence/{runId}", Ct);
        using var input = await client.GetAsync($"/api/v1/evidence/{runId}/inputs/{named.Hex}", Ct);
        using var labelFile = await client.GetAsync($"/api/v1/evidence/{runId}/inputs/{labels.Hex}", Ct);
        using var notNamed = await client.GetAsync($"/api/v1/evidence/{runId}/inputs/{other.Hex}", Ct);
        using var notAHash = await client.GetAsync($"/api/v1/evidence/{runId}/inputs/xyz", Ct);

        Assert.Equal(["LeaseLost", "Completed"], record.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal("w2", record.GetProperty("attempts")[1].GetProperty("worker").GetString());
        Assert.Equal(HttpStatusCode.OK, input.StatusCode);
        Assert.Equal(tokens, await input.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($"\"{named.Hex}\"", input.Headers.ETag?.Tag);
        // Named by its hash, the file never changes: cached for a year, by shared caches too (the specimen is public).
        Assert.Equal("public, max-age=31536000, immutable", input.Headers.CacheControl?.ToString());
        // A label file is named under labels_sha256 beside its images: downloadable too.
        Assert.Equal([7, 1, 4], await labelFile.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(HttpStatusCode.NotFound, notNamed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notAHash.StatusCode);
    }

    [Fact]
    public async Task Recheck_all_queues_one_bulk_run_per_claim_and_keeps_runs_already_pending()
    {
        using var client = archive.CreateClient();

        using var first = await client.PostAsync("/api/v1/specimens/induction/evidence", null, Ct);
        using var second = await client.PostAsync("/api/v1/specimens/induction/evidence", null, Ct);
        using var unknown = await client.PostAsync("/api/v1/specimens/nope/evidence", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var queued = (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray().ToList();
        var again = (await second.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray().ToList();
        Assert.True(queued.Count >= 2);
        Assert.All(queued, c => Assert.True(c.GetProperty("queued").GetBoolean()));
        Assert.All(again, c => Assert.False(c.GetProperty("queued").GetBoolean()));
        Assert.Equal(queued.Select(c => c.GetProperty("runId").GetGuid()), again.Select(c => c.GetProperty("runId").GetGuid()));
        await using var db = archive.CreateDbContext();
        Assert.Equal(queued.Count, await db.EvidenceRuns.CountAsync(r => r.Priority == EvidencePriority.Bulk && r.Status == EvidenceStatus.Queued, Ct));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_queued_run_shows_its_place_in_the_queue_a_persons_request_before_bulk()
    {
        int other;
        await using (var db = archive.CreateDbContext())
        {
            other = await db.Claims.Where(c => c.Id != claimId).Select(c => c.Id).FirstAsync(Ct);
        }
        using var client = archive.CreateClient();
        using var bulk = await client.PostAsync("/api/v1/specimens/induction/evidence", null, Ct); // every claim, bulk
        await using (var db = archive.CreateDbContext())
        {
            await db.EvidenceRuns.Where(r => r.ClaimId == claimId).ExecuteDeleteAsync(Ct);
        }
        using var person = await client.PostAsync($"/api/v1/claims/{claimId}/evidence", null, Ct);
        var personRun = (await person.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        var mine = await client.GetFromJsonAsync<JsonElement>($"/api/v1/evidence/{personRun}", Ct);
        var otherRuns = await client.GetFromJsonAsync<JsonElement>($"/api/v1/claims/{other}/evidence", Ct);

        Assert.Equal(1, mine.GetProperty("queuePosition").GetInt32());
        Assert.True(otherRuns[0].GetProperty("queuePosition").GetInt32() >= 2);
        Assert.Equal(JsonValueKind.Null, otherRuns[0].GetProperty("phase").ValueKind);
    }
}
