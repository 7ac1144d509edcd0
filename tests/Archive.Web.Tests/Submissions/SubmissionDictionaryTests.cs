using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archive.Data.Accounts;
using Archive.Data.Dictionaries;
using Archive.Formats.Models;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Submissions;

/// <summary>
/// A submitted bundle that carries a SAELens folder for its own (new) model: the one request stores the draft, the
/// model and the dictionary, and queues the dictionary's dashboards; a folder that does not fit the model refuses the
/// whole submission, with the dictionary named in the fault, and stores nothing.
/// </summary>
public sealed class SubmissionDictionaryTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const int DSae = 8;

    private HttpClient client = null!;
    private User ada = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
        client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Read | ApiKeyScopes.Submit));
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A standard SAE of zeros as SAELens writes it: its header is what the checks read.</summary>
    private static byte[] Weights(int dIn)
    {
        (string Name, long[] Shape)[] tensors = [("W_enc", [dIn, DSae]), ("W_dec", [DSae, dIn]), ("b_enc", [DSae]), ("b_dec", [dIn])];
        var header = new JsonObject();
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(4L, (a, b) => a * b);
            header[name] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray([.. shape.Select(s => JsonValue.Create(s))]), ["data_offsets"] = new JsonArray(offset, offset + bytes) };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        var file = new byte[8 + padded + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        json.CopyTo(file, 8);
        for (var i = 8 + json.Length; i < 8 + padded; i++) file[i] = (byte)' ';
        return file;
    }

    private static byte[] Config(int dIn) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        architecture = "standard", d_in = dIn, d_sae = DSae, dtype = "float32", hook_name = "blocks.0.hook_resid_post", hook_layer = 0,
    }));

    private static byte[] Tokens()
    {
        var bytes = new byte[2 * 8 * 4];
        for (var i = 0; i < 16; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), i);
        return bytes;
    }

    private async Task<HttpResponseMessage> SubmitAsync(int saeDIn)
    {
        var tokens = Tokens();
        var sha = Convert.ToHexStringLower(SHA256.HashData(tokens));
        var manifest = SubmittedBundle.Manifest("ada-with-sae", "ada-with-sae-model");
        manifest["dictionaries"] = new JsonArray(new JsonObject
        {
            ["slug"] = "ada-resid0", ["title"] = "Residual stream after block 0", ["folder"] = "sae",
            ["token_set"] = new JsonObject { ["sha256"] = sha, ["windows"] = 2, ["length"] = 8, ["description"] = "the ids 0-15" },
        });
        var body = new MultipartFormDataContent { { new StringContent(manifest.ToJsonString()), "manifest" } };
        body.Add(new ByteArrayContent(File.ReadAllBytes(SubmittedBundle.File("writeup.md"))), "writeup.md", "writeup.md");
        body.Add(new ByteArrayContent(File.ReadAllBytes(SubmittedBundle.File("model.safetensors"))), "model.safetensors", "model.safetensors");
        body.Add(new ByteArrayContent(Config(saeDIn)), "sae/cfg.json", "cfg.json");
        body.Add(new ByteArrayContent(Weights(saeDIn)), "sae/sae_weights.safetensors", "sae_weights.safetensors");
        body.Add(new ByteArrayContent(tokens), $"tokens/{sha}", "tokens.bin");
        return await client.PostAsync("/api/v1/submissions", body, Ct);
    }

    private static int ModelWidth()
    {
        var manifest = SubmittedBundle.Manifest("x", "y");
        return ModelCard.Inspect(SubmittedBundle.File("model.safetensors"), manifest["model"]!["architecture"]!.GetValue<string>()).DModel;
    }

    [Fact]
    public async Task One_request_stores_the_draft_its_model_and_its_dictionary_with_dashboards_queued()
    {
        using var response = await SubmitAsync(ModelWidth());

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        Assert.DoesNotContain("sae/", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("warnings").ToString());
        await using var db = archive.CreateDbContext();
        var dictionary = await db.FeatureDictionaries.Include(d => d.Model).Include(d => d.DashboardJob).SingleAsync(Ct);
        Assert.Equal(("ada-resid0", "ada-with-sae-model", ada.Id, DSae), (dictionary.Slug, dictionary.Model.Slug, dictionary.SubmittedById!.Value, dictionary.DSae));
        Assert.Equal(DashboardStatus.Queued, dictionary.DashboardJob!.Status);
    }

    [Fact]
    public async Task A_folder_that_does_not_fit_the_model_refuses_the_whole_submission()
    {
        using var response = await SubmitAsync(ModelWidth() + 1);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith("dictionary 'ada-resid0': cfg.json has d_in", StringComparison.Ordinal));
        await using var db = archive.CreateDbContext();
        Assert.False(await db.Specimens.AnyAsync(Ct));
        Assert.False(await db.FeatureDictionaries.AnyAsync(Ct));
        Assert.False(await db.Models.AnyAsync(Ct));
    }
}
