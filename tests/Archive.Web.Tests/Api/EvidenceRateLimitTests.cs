using System.Net;
using Archive.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Api;

/// <summary>Past its per-minute budget a client gets a 429 ProblemDetails with Retry-After, not a page.</summary>
public sealed class EvidenceRateLimitTests(ArchiveFixture archive) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_third_request_in_a_minute_with_a_budget_of_two_is_a_429_problem()
    {
        int claimId;
        await using (var db = archive.CreateDbContext())
        {
            var specimen = await ArchiveTestData.SaveAsync(db, ArchiveTestData.NewSpecimen(ArchiveTestData.NewModel(), "induction", "Induction"));
            claimId = (await db.Claims.FirstAsync(c => c.RevisionId == specimen.CurrentRevisionId)).Id;
        }
        await using var site = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("ConnectionStrings:Archive", archive.ConnectionString);
            web.UseSetting("Blobs:Directory", archive.BlobDirectory);
            web.UseSetting("Archive:EvidenceRequestsPerMinute", "2");
        });
        using var client = site.CreateClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last?.Dispose();
            last = await client.PostAsync($"/api/v1/claims/{claimId}/evidence", null);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("application/problem+json", last!.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(last.Headers.RetryAfter);
        last.Dispose();
    }
}
