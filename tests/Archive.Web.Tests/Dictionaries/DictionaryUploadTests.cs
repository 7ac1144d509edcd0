using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archive.Data.Accounts;
using Archive.Data.Dictionaries;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Dictionaries;

/// <summary>
/// <c>POST /api/v1/dictionaries</c>: a real SAELens folder (the Brown specimen's TopK SAE, written as SAELens 6 writes it)
/// published in one request against the Brown model's real config, and every kind of bad folder refused with its reason
/// and nothing stored.
/// </summary>
public sealed class DictionaryUploadTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private User ada = null!;
    private HttpClient client = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Submit | ApiKeyScopes.Read));
        await BrownSae.InsertModelAsync(archive);
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static byte[] Config(Action<JsonObject>? edit = null) => BrownSae.Config(edit);

    private static byte[] Weights() => BrownSae.Weights();

    private static byte[] Tokens(int lastId = 4095) => BrownSae.Tokens(lastId);

    private static string Sha(byte[] bytes) => BrownSae.Sha(bytes);

    private static string Manifest(string slug, byte[] tokens, string model = BrownSae.ModelSlug, string? tokenSha = null) => JsonSerializer.Serialize(new
    {
        slug, title = "Brown residual stream after block 0 (uploaded)", description = "A TopK SAE, k = 16.", model,
        token_set = new { sha256 = tokenSha ?? Sha(tokens), windows = 4, length = 16, description = "test ids" },
    });

    private static MultipartFormDataContent Multipart(string manifest, byte[] cfg, byte[]? weights, byte[] tokens, string? tokensName = null)
    {
        var body = new MultipartFormDataContent { { new StringContent(manifest), "manifest" } };
        body.Add(new ByteArrayContent(cfg), "cfg.json", "cfg.json");
        if (weights is not null) body.Add(new ByteArrayContent(weights), "sae_weights.safetensors", "sae_weights.safetensors");
        body.Add(new ByteArrayContent(tokens), tokensName ?? $"tokens/{Sha(tokens)}", "tokens.bin");
        return body;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpContent content, HttpClient? as_ = null)
    {
        using var response = await (as_ ?? client).PostAsync("/api/v1/dictionaries", content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text));
    }

    [Fact]
    public async Task A_saelens_folder_is_published_in_one_request_and_its_dashboards_queued_for_the_worker()
    {
        var tokens = Tokens();
        using var content = Multipart(Manifest("ada-brown-resid0", tokens), Config(), Weights(), tokens);

        var (status, body) = await PostAsync(content);

        Assert.True(status == HttpStatusCode.Created, body.ToString());
        Assert.Equal("Queued", body.GetProperty("dashboards").GetProperty("status").GetString());
        await using var db = archive.CreateDbContext();
        var stored = await db.FeatureDictionaries.Include(d => d.DashboardJob).SingleAsync(d => d.Slug == "ada-brown-resid0", Ct);
        Assert.Equal((ada.Id, "topk", 128, 1024, 16), (stored.SubmittedById!.Value, stored.Architecture, stored.DIn, stored.DSae, stored.K!.Value));
        Assert.Equal(Sha(Weights()), stored.Sha256);
        Assert.Equal((DashboardStatus.Queued, Sha(tokens), 4, 16), (stored.DashboardJob!.Status, stored.DashboardJob.TokenSetSha256, stored.DashboardJob.TokenWindows, stored.DashboardJob.TokenLength));
        Assert.True(await db.Blobs.AnyAsync(b => b.Sha256 == Sha(tokens), Ct));

        // The API and the page say the worker has it; the weights download as uploaded.
        var detail = await client.GetFromJsonAsync<JsonElement>("/api/v1/dictionaries/ada-brown-resid0", Ct);
        Assert.Equal("Queued", detail.GetProperty("dictionary").GetProperty("dashboards").GetProperty("status").GetString());
        Assert.Equal("ada", detail.GetProperty("dictionary").GetProperty("uploadedBy").GetString());
        using var anonymous = archive.CreateClient();
        var page = await anonymous.GetStringAsync("/dictionaries/ada-brown-resid0", Ct);
        Assert.Contains("Computing dashboards", page);
        Assert.Contains("http-equiv=\"refresh\"", page);
        Assert.Equal(Weights(), await anonymous.GetByteArrayAsync("/api/v1/dictionaries/ada-brown-resid0/weights", Ct));
    }

    [Fact]
    public async Task The_folder_zipped_with_dictionary_json_is_taken_too()
    {
        var tokens = Tokens();
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] bytes)
            {
                using var entry = zip.CreateEntry("my-sae/" + name).Open();
                entry.Write(bytes);
            }
            Add("dictionary.json", Encoding.UTF8.GetBytes(Manifest("ada-zipped-sae", tokens)));
            Add("cfg.json", Config());
            Add("sae_weights.safetensors", Weights());
            Add($"tokens/{Sha(tokens)}", tokens);
        }
        using var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new("application/zip");

        var (status, body) = await PostAsync(content);

        Assert.True(status == HttpStatusCode.Created, body.ToString());
        Assert.Equal("ada-zipped-sae", body.GetProperty("slug").GetString());
    }

    public static TheoryData<string, string> BadFolders => new()
    {
        { "d_in-disagrees-with-weights", "requires [64, 1024]" },
        { "hook-of-another-width", "is 512 wide" },
        { "hook-beyond-the-model", "the model has 2 layers" },
        { "inflated-header", "header" },
        { "token-outside-vocabulary", "outside the model's vocabulary" },
        { "tokens-misnamed", "not to its name" },
        { "unknown-model", "no model 'gpt-9'" },
        { "slug-of-the-upload-page", "'new' is the upload page's address" },
        { "no-weights", "sae_weights.safetensors: missing" },
    };

    [Theory]
    [MemberData(nameof(BadFolders))]
    public async Task A_bad_folder_is_refused_with_its_reason_and_nothing_is_stored(string fault, string reason)
    {
        var tokens = fault == "token-outside-vocabulary" ? Tokens(lastId: 4096) : Tokens();
        var cfg = fault switch
        {
            "d_in-disagrees-with-weights" => Config(c => c["d_in"] = 64),
            "hook-of-another-width" => Config(c => { c["hook_name"] = "blocks.0.mlp.hook_post"; c["metadata"]!["hook_name"] = "blocks.0.mlp.hook_post"; }),
            "hook-beyond-the-model" => Config(c => { c["hook_name"] = "blocks.7.hook_resid_post"; c["metadata"]!["hook_name"] = "blocks.7.hook_resid_post"; c["hook_layer"] = 7; c["metadata"]!["hook_layer"] = 7; }),
            _ => Config(),
        };
        var weights = Weights();
        if (fault == "inflated-header") BinaryPrimitives.WriteUInt64LittleEndian(weights, 1UL << 40); // a header "a terabyte long"
        var manifest = Manifest(fault == "slug-of-the-upload-page" ? "new" : "ada-bad", tokens, model: fault == "unknown-model" ? "gpt-9" : BrownSae.ModelSlug,
            tokenSha: fault == "tokens-misnamed" ? new string('b', 64) : null);
        using var content = Multipart(manifest, cfg, fault == "no-weights" ? null : weights, tokens, fault == "tokens-misnamed" ? $"tokens/{new string('b', 64)}" : null);
        await using var before = archive.CreateDbContext();
        var blobsBefore = await before.Blobs.CountAsync(Ct);

        var (status, body) = await PostAsync(content);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains(reason, StringComparison.Ordinal));
        await using var db = archive.CreateDbContext();
        Assert.False(await db.FeatureDictionaries.AnyAsync(Ct));
        Assert.Equal(blobsBefore, await db.Blobs.CountAsync(Ct));
        Assert.False(await db.DashboardJobs.AnyAsync(Ct));
    }

    [Fact]
    public async Task Another_contributors_slug_is_refused_and_your_own_is_replaced()
    {
        var tokens = Tokens();
        using (var first = Multipart(Manifest("ada-brown-resid0", tokens), Config(), Weights(), tokens))
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(first)).Status);
        // The worker had finished once: the job is Ready. Ada's re-upload queues it again.
        await using (var db = archive.CreateDbContext())
            await db.DashboardJobs.ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, DashboardStatus.Ready).SetProperty(j => j.Step, 4), Ct);

        var bob = await archive.CreateAccountAsync("bob", ArchiveRoles.Contributor);
        using var bobClient = archive.ClientWithKey(await archive.CreateKeyAsync(bob, ApiKeyScopes.Submit));
        using (var taken = Multipart(Manifest("ada-brown-resid0", tokens), Config(), Weights(), tokens))
        {
            var (status, body) = await PostAsync(taken, bobClient);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("is another dictionary", body.GetProperty("errors")[0].GetString());
        }

        using (var again = Multipart(Manifest("ada-brown-resid0", tokens), Config(), Weights(), tokens))
        {
            var (status, body) = await PostAsync(again);
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.True(body.GetProperty("replaced").GetBoolean());
        }
        await using var after = archive.CreateDbContext();
        var job = await after.DashboardJobs.SingleAsync(Ct);
        Assert.Equal((DashboardStatus.Queued, 0), (job.Status, job.Step));
        Assert.Equal(ada.Id, (await after.FeatureDictionaries.SingleAsync(Ct)).SubmittedById);
    }

    [Fact]
    public async Task Only_a_contributor_with_a_submit_key_may_upload()
    {
        var tokens = Tokens();
        using var anonymous = archive.CreateClient();
        using (var content = Multipart(Manifest("x-sae", tokens), Config(), Weights(), tokens))
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(content, anonymous)).Status);
        using var readOnly = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Read));
        using (var content = Multipart(Manifest("x-sae", tokens), Config(), Weights(), tokens))
            Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(content, readOnly)).Status);
        await using var db = archive.CreateDbContext();
        Assert.False(await db.FeatureDictionaries.AnyAsync(Ct));
    }
}
