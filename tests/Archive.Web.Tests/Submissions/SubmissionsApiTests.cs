using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archive.Data.Accounts;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Submissions;

/// <summary>
/// <c>POST /api/v1/submissions</c>: a researcher's bundle (the shipped induction specimen's files, under a new slug)
/// becomes their draft in one request, or is refused whole with every fault named.
/// </summary>
public sealed class SubmissionsApiTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private User ada = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static JsonObject Manifest(string slug = "ada-induction") => SubmittedBundle.Manifest(slug, "ada-attn-only-2l");

    private static MultipartFormDataContent Body(JsonObject manifest, params (string Path, byte[] Bytes)[] files)
    {
        var body = new MultipartFormDataContent { { new StringContent(manifest.ToJsonString(), System.Text.Encoding.UTF8, "application/json"), "manifest" } };
        foreach (var (path, bytes) in files) body.Add(new ByteArrayContent(bytes), path, Path.GetFileName(path));
        return body;
    }

    private static (string, byte[])[] BundleFiles() =>
    [
        ("writeup.md", File.ReadAllBytes(SubmittedBundle.File("writeup.md"))),
        ("model.safetensors", File.ReadAllBytes(SubmittedBundle.File("model.safetensors"))),
    ];

    [Fact]
    public async Task One_request_makes_a_draft_that_only_its_author_sees_with_every_claim_queued()
    {
        using var client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Read | ApiKeyScopes.Submit));

        using var response = await client.PostAsync("/api/v1/submissions", Body(Manifest(), BundleFiles()), Ct);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("/api/v1/specimens/ada-induction", response.Headers.Location?.OriginalString);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Draft", body.GetProperty("status").GetString());
        Assert.EndsWith("/specimens/ada-induction", body.GetProperty("url").GetString());
        var manifestClaims = Manifest()["claims"]!.AsArray().Count;
        Assert.Equal(manifestClaims, body.GetProperty("claims").GetArrayLength());

        await using (var db = archive.CreateDbContext())
        {
            var specimen = await db.Specimens.Include(s => s.Model).SingleAsync(s => s.Slug == "ada-induction", Ct);
            Assert.Equal(SpecimenStatus.Draft, specimen.Status);
            Assert.Equal(ada.Id, specimen.SubmittedById);
            Assert.Equal(2, specimen.Model.NLayers);
            Assert.Equal(manifestClaims, await db.EvidenceRuns.CountAsync(r => r.Status == EvidenceStatus.Queued && r.Claim.Revision.SpecimenId == specimen.Id, Ct));
        }
        using var own = await client.GetAsync("/api/v1/specimens/ada-induction", Ct);
        using var anonymous = await archive.CreateClient().GetAsync("/api/v1/specimens/ada-induction", Ct);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, anonymous.StatusCode);
        Assert.Contains("ada-induction", await client.GetStringAsync("/api/v1/submissions", Ct));
    }

    [Fact]
    public async Task Submitting_the_same_slug_again_adds_a_revision_to_the_authors_draft_but_not_to_anothers()
    {
        using var client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Submit));
        var bob = await archive.CreateAccountAsync("bob", ArchiveRoles.Contributor);
        using var bobs = archive.ClientWithKey(await archive.CreateKeyAsync(bob, ApiKeyScopes.Submit));

        using var first = await client.PostAsync("/api/v1/submissions", Body(Manifest(), BundleFiles()), Ct);
        var revised = Manifest();
        revised["summary"] = "Revised summary.";
        // The model is the archive's now: the second submission names it and sends no file.
        using var second = await client.PostAsync("/api/v1/submissions", Body(revised, BundleFiles()[..1]), Ct);
        using var hijack = await bobs.PostAsync("/api/v1/submissions", Body(Manifest(), BundleFiles()), Ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(2, (await second.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("revision").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, hijack.StatusCode);
        Assert.Contains("slug", await hijack.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_bad_submission_is_refused_whole_with_every_fault_and_leaves_nothing_stored()
    {
        using var client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Submit));
        var manifest = Manifest();
        manifest["claims"]![0]!["parameters"] = new JsonObject { ["seqlen"] = 12 };
        manifest["tags"] = new JsonArray("Not A Slug");
        var model = File.ReadAllBytes(SubmittedBundle.File("model.safetensors"));
        var truncated = model[..(model.Length / 2)];
        var blobsBefore = Directory.Exists(archive.BlobDirectory) ? Directory.GetFiles(archive.BlobDirectory, "*", SearchOption.AllDirectories).Length : 0;

        using var response = await client.PostAsync("/api/v1/submissions", Body(manifest, ("model.safetensors", truncated)), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith("writeup:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("model (model.safetensors):", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("seqlen", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("tags:", StringComparison.Ordinal));
        await using var db = archive.CreateDbContext();
        Assert.False(await db.Specimens.AnyAsync(Ct));
        Assert.False(await db.Models.AnyAsync(Ct));
        var blobsAfter = Directory.Exists(archive.BlobDirectory) ? Directory.GetFiles(archive.BlobDirectory, "*", SearchOption.AllDirectories).Length : 0;
        Assert.Equal(blobsBefore, blobsAfter);
    }

    [Fact]
    public async Task Submitting_needs_a_contributors_key_with_the_submit_scope()
    {
        var reader = await archive.CreateAccountAsync("reader", ArchiveRoles.Reader);
        using var anonymous = archive.CreateClient();
        using var readersKey = archive.ClientWithKey(await archive.CreateKeyAsync(reader, ApiKeyScopes.Read | ApiKeyScopes.Submit));
        using var readOnlyKey = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Read));

        using var none = await anonymous.PostAsync("/api/v1/submissions", Body(Manifest(), BundleFiles()), Ct);
        using var wrongRole = await readersKey.PostAsync("/api/v1/submissions", Body(Manifest(), BundleFiles()), Ct);
        using var wrongScope = await readOnlyKey.PostAsync("/api/v1/submissions", Body(Manifest(), BundleFiles()), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongRole.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongScope.StatusCode);
    }

    [Fact]
    public async Task A_json_body_and_a_path_outside_the_bundle_are_refused()
    {
        using var client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Submit));

        using var json = await client.PostAsJsonAsync("/api/v1/submissions", Manifest(), Ct);
        using var escape = await client.PostAsync("/api/v1/submissions", Body(Manifest(), ("../writeup.md", "x"u8.ToArray())), Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, escape.StatusCode);
        Assert.Contains("relative path", await escape.Content.ReadAsStringAsync(Ct));
    }
}
