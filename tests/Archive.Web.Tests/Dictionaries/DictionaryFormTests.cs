using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Archive.Data.Accounts;
using Archive.Data.Dictionaries;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Archive.Web.Tests.Submissions;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Dictionaries;

/// <summary>
/// The site's dictionary form (<c>/dictionaries/new</c>) over HTTP, called as its script calls it: the SAELens folder as
/// a zip with uploaded token ids, stored through the same rule as the API; a refusal keyed by the form's fields with
/// nothing stored; the page's token required; and readers and visitors kept out of the page and its endpoint.
/// </summary>
public sealed class DictionaryFormTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string Upload = "/dictionaries/new/upload";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private User ada = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        await BrownSae.InsertModelAsync(archive);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The form's body: the manifest it builds from its fields (uploaded ids' sha256 left to the archive) and the files by part name.</summary>
    private static MultipartFormDataContent FormBody(string slug, int windows, int length, params (string Part, byte[] Bytes)[] files)
    {
        var manifest = JsonSerializer.Serialize(new
        {
            slug, title = "Brown residual stream after block 0", description = "", model = BrownSae.ModelSlug,
            token_set = new { sha256 = "", windows, length, description = "test ids" },
        });
        var body = new MultipartFormDataContent { { new StringContent(manifest), "manifest" } };
        foreach (var (part, bytes) in files) body.Add(new ByteArrayContent(bytes), part, part);
        return body;
    }

    private static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var entry = zip.CreateEntry(name).Open();
                entry.Write(bytes);
            }
        }
        return buffer.ToArray();
    }

    private void AssertStagingEmpty()
    {
        var staging = Path.Combine(archive.BlobDirectory, "tmp");
        Assert.True(!Directory.Exists(staging) || Directory.GetFiles(staging).Length == 0, "the upload left a staging file");
    }

    [Fact]
    public async Task The_folder_as_a_zip_with_uploaded_token_ids_is_stored_and_the_ids_named_by_their_hash()
    {
        using var form = await GuidedForm.OpenAsync(archive, "ada", "/dictionaries/new");
        var tokens = BrownSae.Tokens();
        var folder = Zip(("my-sae/cfg.json", BrownSae.Config()), ("my-sae/sae_weights.safetensors", BrownSae.Weights()));

        using var response = await form.PostAsync(Upload, FormBody("ada-form-sae", 4, 16, ("folder.zip", folder), ("token_ids", tokens)));

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("/dictionaries/ada-form-sae", JsonDocument.Parse(body).RootElement.GetProperty("pageUrl").GetString());
        await using var db = archive.CreateDbContext();
        var stored = await db.FeatureDictionaries.Include(d => d.DashboardJob).SingleAsync(Ct);
        Assert.Equal((ada.Id, BrownSae.Sha(BrownSae.Weights()), 1024), (stored.SubmittedById!.Value, stored.Sha256, stored.DSae));
        Assert.Equal((DashboardStatus.Queued, BrownSae.Sha(tokens), 4, 16), (stored.DashboardJob!.Status, stored.DashboardJob.TokenSetSha256, stored.DashboardJob.TokenWindows, stored.DashboardJob.TokenLength));
        Assert.True(await db.Blobs.AnyAsync(b => b.Sha256 == BrownSae.Sha(tokens), Ct));
        AssertStagingEmpty();
    }

    [Fact]
    public async Task A_refused_upload_names_each_fault_by_its_field_and_stores_nothing()
    {
        using var form = await GuidedForm.OpenAsync(archive, "ada", "/dictionaries/new");
        await using var before = archive.CreateDbContext();
        var blobsBefore = await before.Blobs.CountAsync(Ct);

        // A bad slug, a cfg.json whose d_in disagrees with the weights, and windows longer than the model's context.
        using var response = await form.PostAsync(Upload, FormBody("A", 4, 4000,
            ("cfg.json", BrownSae.Config(c => c["d_in"] = 64)), ("sae_weights.safetensors", BrownSae.Weights()), ("token_ids", BrownSae.Tokens())));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;
        Assert.Equal(["files", "slug", "token_set"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(errors["files"], e => e.Contains("requires [64, 1024]", StringComparison.Ordinal));
        Assert.Contains(errors["token_set"], e => e.Contains("n_ctx", StringComparison.Ordinal));
        await using var db = archive.CreateDbContext();
        Assert.False(await db.FeatureDictionaries.AnyAsync(Ct));
        Assert.False(await db.DashboardJobs.AnyAsync(Ct));
        Assert.Equal(blobsBefore, await db.Blobs.CountAsync(Ct));
        AssertStagingEmpty();
    }

    [Fact]
    public async Task Without_the_pages_token_the_upload_is_refused_unread()
    {
        using var form = await GuidedForm.OpenAsync(archive, "ada", "/dictionaries/new");
        var tokens = BrownSae.Tokens();

        using var response = await form.PostAsync(Upload, FormBody("ada-forged", 4, 16,
            ("cfg.json", BrownSae.Config()), ("sae_weights.safetensors", BrownSae.Weights()), ("token_ids", tokens)), withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync(Ct));
        await using var db = archive.CreateDbContext();
        Assert.False(await db.FeatureDictionaries.AnyAsync(Ct));
        AssertStagingEmpty();
    }

    [Fact]
    public async Task Readers_and_visitors_can_neither_open_nor_post_the_form_and_are_not_offered_it()
    {
        await archive.CreateAccountAsync("rita", ArchiveRoles.Reader);
        using var visitor = new SiteSession(archive);
        using var reader = await archive.SignInAsync("rita");
        using var contributor = await archive.SignInAsync("ada");

        using (var page = await visitor.Client.GetAsync("/dictionaries/new", Ct))
            Assert.StartsWith("/account/sign-in", page.LocationPath());
        using (var page = await reader.Client.GetAsync("/dictionaries/new", Ct))
            Assert.StartsWith("/account/access-denied", page.LocationPath());
        foreach (var session in new[] { visitor, reader })
        {
            using var post = await session.Client.PostAsync(Upload, FormBody("rita-sae", 4, 16,
                ("cfg.json", BrownSae.Config()), ("sae_weights.safetensors", BrownSae.Weights()), ("token_ids", BrownSae.Tokens())), Ct);
            Assert.False(post.IsSuccessStatusCode, $"{post.StatusCode}");
            Assert.Matches("^/account/(sign-in|access-denied)", post.LocationPath());
        }
        await using (var db = archive.CreateDbContext())
            Assert.False(await db.FeatureDictionaries.AnyAsync(Ct));

        // The way in is shown to those who may use it.
        Assert.DoesNotContain("href=\"/dictionaries/new\"", await visitor.GetPageAsync("/dictionaries"));
        Assert.DoesNotContain("href=\"/dictionaries/new\"", await reader.GetPageAsync("/dictionaries"));
        Assert.DoesNotContain("href=\"/dictionaries/new\"", await reader.GetPageAsync("/submissions"));
        Assert.Contains("href=\"/dictionaries/new\"", await contributor.GetPageAsync("/dictionaries"));
        Assert.Contains("href=\"/dictionaries/new\"", await contributor.GetPageAsync("/submissions"));
    }
}
