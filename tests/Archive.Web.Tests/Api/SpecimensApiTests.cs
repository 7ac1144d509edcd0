using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Archive.Data.Evidence;
using Archive.Data.Models;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Api;

public sealed class SpecimensApiTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Listing_searches_published_specimens_only()
    {
        await using (var db = archive.CreateDbContext())
        {
            var model = ArchiveTestData.NewModel();
            await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(model, "induction", "Induction heads in a two-layer model", tags: ["induction"]));
            await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(model, "superposition", "Superposition in a toy model", writeup: "## Features\n\nFive features in two dimensions.", tags: ["superposition"]));
            await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(model, "draft", "Induction draft", status: SpecimenStatus.Draft));
        }
        using var client = archive.CreateClient();

        using var all = await client.GetFromJsonAsync<JsonDocument>("/api/v1/specimens");
        Assert.Equal(2, all!.RootElement.GetProperty("total").GetInt32());

        using var search = await client.GetFromJsonAsync<JsonDocument>("/api/v1/specimens?q=induction");
        var slugs = search!.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("slug").GetString()).ToList();
        Assert.Equal(["induction"], slugs);

        using var byTag = await client.GetFromJsonAsync<JsonDocument>("/api/v1/specimens?tag=superposition");
        Assert.Equal("superposition", byTag!.RootElement.GetProperty("items")[0].GetProperty("slug").GetString());
    }

    [Fact]
    public async Task A_specimen_comes_with_its_writeup_circuits_and_claims_latest_verdicts()
    {
        await using (var db = archive.CreateDbContext())
        {
            var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction", "Induction"));
            var claim = await db.Claims.FirstAsync(c => c.RevisionId == specimen.CurrentRevisionId && c.Key == "induction-head");
            db.EvidenceRuns.Add(ArchiveTestData.FinishedRun(claim, EvidenceVerdict.Refuted, 0.2, DateTimeOffset.UtcNow.AddHours(-1)));
            db.EvidenceRuns.Add(ArchiveTestData.FinishedRun(claim, EvidenceVerdict.Supported, 0.81));
            await db.SaveChangesAsync();
        }
        using var client = archive.CreateClient();

        using var doc = await client.GetFromJsonAsync<JsonDocument>("/api/v1/specimens/induction");
        var root = doc!.RootElement;
        Assert.StartsWith("## Question", root.GetProperty("writeupMarkdown").GetString());
        var claim0 = root.GetProperty("claims").EnumerateArray().Single(c => c.GetProperty("key").GetString() == "induction-head");
        Assert.Equal("Supported", claim0.GetProperty("latestFinishedRun").GetProperty("verdict").GetString());
        Assert.Equal(0.81, claim0.GetProperty("latestFinishedRun").GetProperty("headlineValue").GetDouble());
        var circuit = root.GetProperty("circuits")[0];
        Assert.Equal("attn_head", circuit.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == "L1H4").GetProperty("kind").GetString());
        Assert.Equal(3, circuit.GetProperty("edges").GetArrayLength());
    }

    [Fact]
    public async Task Unknown_specimens_and_revisions_are_problem_details_404s()
    {
        await using (var db = archive.CreateDbContext())
        {
            await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction", "Induction"));
        }
        using var client = archive.CreateClient();

        foreach (var url in new[] { "/api/v1/specimens/nope", "/api/v1/specimens/induction/revisions/7", "/api/v1/models/nope", "/api/v1/specimens/induction/circuits/nope" })
        {
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task The_bulk_export_streams_one_json_document_per_published_specimen()
    {
        await using (var db = archive.CreateDbContext())
        {
            var model = ArchiveTestData.NewModel();
            foreach (var slug in new[] { "a", "b", "c" }) await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(model, slug, $"Specimen {slug}"));
        }
        using var client = archive.CreateClient();

        var body = await client.GetStringAsync("/api/v1/specimens/export");
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3, lines.Length);
        Assert.Equal(["a", "b", "c"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("specimen").GetProperty("slug").GetString()));
    }

    [Fact]
    public async Task Model_weights_download_with_their_sha256_as_etag()
    {
        var bytes = new byte[] { 1, 2, 3, 4, 5 };
        var sha = (await archive.StoreFileAsync(bytes)).Hex;
        await using (var db = archive.CreateDbContext())
        {
            var model = ArchiveTestData.NewModel();
            model.Sha256 = sha;
            model.SizeBytes = bytes.Length;
            db.Models.Add(model);
            await db.SaveChangesAsync();
        }
        using var client = archive.CreateClient();

        using var response = await client.GetAsync("/api/v1/models/attn-only-2l/weights");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{sha}\"", response.Headers.ETag?.Tag);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/models/attn-only-2l/weights");
        again.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{sha}\""));
        using var notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Requesting_evidence_queues_one_run_and_refuses_a_second_while_it_is_pending()
    {
        int claimId;
        await using (var db = archive.CreateDbContext())
        {
            var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction", "Induction"));
            claimId = (await db.Claims.FirstAsync(c => c.RevisionId == specimen.CurrentRevisionId)).Id;
        }
        using var client = archive.CreateClient();

        using var first = await client.PostAsync($"/api/v1/claims/{claimId}/evidence", null);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using var run = await first.Content.ReadFromJsonAsync<JsonDocument>();
        Assert.Equal("Queued", run!.RootElement.GetProperty("status").GetString());

        using var second = await client.PostAsync($"/api/v1/claims/{claimId}/evidence", null);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);

        await using var check = archive.CreateDbContext();
        Assert.Equal(1, await check.EvidenceRuns.CountAsync(r => r.ClaimId == claimId && r.Status == EvidenceStatus.Queued));
        using var missing = await client.PostAsync("/api/v1/claims/999999/evidence", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
