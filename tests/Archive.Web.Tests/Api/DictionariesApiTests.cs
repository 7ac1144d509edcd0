using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Api;

public sealed class DictionariesApiTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static readonly byte[] Weights = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))];

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task SeedAsync()
    {
        var dictionary = DictionaryTestData.NewDictionary(ArchiveTestData.NewModel());
        dictionary.Sha256 = (await archive.StoreFileAsync(Weights)).Hex;
        dictionary.SizeBytes = Weights.Length;
        await using var db = archive.CreateDbContext();
        await DictionaryTestData.SaveAsync(db, dictionary);
    }

    [Fact]
    public async Task Lists_dictionaries_and_serves_one_with_its_feature_table()
    {
        await SeedAsync();
        using var client = archive.CreateClient();

        using var list = await client.GetFromJsonAsync<JsonDocument>("/api/v1/dictionaries", Ct);
        var item = list!.RootElement.EnumerateArray().Single();
        Assert.Equal("attn-2l-resid1-topk", item.GetProperty("slug").GetString());
        Assert.Equal("attn-only-2l", item.GetProperty("modelSlug").GetString());
        Assert.Equal(4, item.GetProperty("dSae").GetInt32());
        Assert.Equal(2, item.GetProperty("k").GetInt32());
        Assert.Equal(4, item.GetProperty("featureCount").GetInt32());
        Assert.Equal("/api/v1/dictionaries/attn-2l-resid1-topk/download", item.GetProperty("downloadUrl").GetString());

        using var detail = await client.GetFromJsonAsync<JsonDocument>("/api/v1/dictionaries/attn-2l-resid1-topk?q=plural", Ct);
        var root = detail!.RootElement;
        Assert.Equal("topk", root.GetProperty("config").GetProperty("architecture").GetString());
        Assert.Equal(1, root.GetProperty("stats").GetProperty("dead").GetInt32());
        Assert.Equal(1, root.GetProperty("features").GetProperty("total").GetInt32());
        Assert.Equal(1, root.GetProperty("features").GetProperty("items")[0].GetProperty("index").GetInt32());
    }

    [Fact]
    public async Task Serves_a_features_dashboard_data()
    {
        await SeedAsync();
        using var client = archive.CreateClient();

        using var doc = await client.GetFromJsonAsync<JsonDocument>("/api/v1/dictionaries/attn-2l-resid1-topk/features/0", Ct);

        var root = doc!.RootElement;
        Assert.Equal("fires after an opening quote", root.GetProperty("explanation").GetString());
        Assert.Equal([-2.0, -1, 0, 1], root.GetProperty("histogram").GetProperty("edges").EnumerateArray().Select(e => e.GetDouble()));
        var context = root.GetProperty("topActivations")[0];
        Assert.Equal(" \"", context.GetProperty("tokens")[2].GetString());
        Assert.Equal(2, context.GetProperty("maxTokenIndex").GetInt32());
        Assert.Equal(" said", root.GetProperty("positiveLogits")[0].GetProperty("token").GetString());
        Assert.Equal(-0.42, root.GetProperty("negativeLogits")[0].GetProperty("value").GetDouble());
        var similar = root.GetProperty("similarFeatures");
        Assert.True(similar[0].GetProperty("hasDashboard").GetBoolean());
        Assert.Equal("plural nouns", similar[0].GetProperty("explanation").GetString());
        Assert.False(similar[1].GetProperty("hasDashboard").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("previous").ValueKind);
        Assert.Equal(1, root.GetProperty("next").GetInt32());
    }

    [Fact]
    public async Task A_features_document_revalidates_by_etag_and_changes_with_its_explanation_and_its_circuits()
    {
        await SeedAsync();
        await using (var db = archive.CreateDbContext())
        {
            // A draft whose circuit uses feature 0: not shown until it is published.
            var dictionary = await db.FeatureDictionaries.SingleAsync(Ct);
            var specimen = ArchiveTestData.NewSpecimen(await db.Models.SingleAsync(Ct), "quotes", "Quotes", status: Archive.Data.Specimens.SpecimenStatus.Draft);
            specimen.Revisions[0].Circuits[0].Nodes.Add(new Archive.Data.Circuits.CircuitNode
            {
                Key = "F0", Kind = Archive.Data.Circuits.CircuitNodeKind.Feature, Label = "Opening quote", FeatureDictionaryId = dictionary.Id, Index = 0,
            });
            await ArchiveTestData.SaveAsync(db, specimen);
        }
        using var client = archive.CreateClient();
        const string url = "/api/v1/dictionaries/attn-2l-resid1-topk/features/0";

        using var first = await client.GetAsync(url, Ct);
        var etag = first.Headers.ETag!;
        Assert.Equal(0, (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("circuits").GetArrayLength());
        using (var again = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { IfNoneMatch = { etag } } })
        using (var notModified = await client.SendAsync(again, Ct))
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // Written behind the site's back, as an importer would: the next request sees it.
        await using (var db = archive.CreateDbContext())
        {
            await db.Features.Where(f => f.Index == 0).ExecuteUpdateAsync(u => u.SetProperty(f => f.Explanation, "opening quotes, rewritten"), Ct);
        }
        using (var rewritten = await client.GetAsync(url, Ct))
        {
            Assert.NotEqual(etag, rewritten.Headers.ETag);
            Assert.Equal("opening quotes, rewritten", (await rewritten.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("explanation").GetString());
        }
        // A similar feature's explanation is part of the document too (feature 0 lists feature 1).
        await using (var db = archive.CreateDbContext())
        {
            await db.Features.Where(f => f.Index == 1).ExecuteUpdateAsync(u => u.SetProperty(f => f.Explanation, "plurals"), Ct);
            await db.Specimens.ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, Archive.Data.Specimens.SpecimenStatus.Published), Ct);
        }
        var published = await client.GetFromJsonAsync<JsonElement>(url, Ct);
        Assert.Equal("plurals", published.GetProperty("similarFeatures")[0].GetProperty("explanation").GetString());
        Assert.Equal("quotes", published.GetProperty("circuits")[0].GetProperty("specimenSlug").GetString());
    }

    [Theory]
    [InlineData("/api/v1/dictionaries/nope")]
    [InlineData("/api/v1/dictionaries/nope/features/0")]
    [InlineData("/api/v1/dictionaries/attn-2l-resid1-topk/features/17")]
    [InlineData("/api/v1/dictionaries/nope/download")]
    public async Task Unknown_things_are_problem_details_404s(string url)
    {
        await SeedAsync();

        var response = await archive.CreateClient().GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Not found", problem.RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Download_is_a_saelens_folder_zip_with_cfg_weights_and_sparsity()
    {
        await SeedAsync();

        var response = await archive.CreateClient().GetAsync("/api/v1/dictionaries/attn-2l-resid1-topk/download", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attn-2l-resid1-topk.zip", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync(Ct)));
        Assert.Equal(["attn-2l-resid1-topk/cfg.json", "attn-2l-resid1-topk/sae_weights.safetensors", "attn-2l-resid1-topk/sparsity.safetensors"],
            zip.Entries.Select(e => e.FullName).Order());

        using (var cfg = JsonDocument.Parse(zip.GetEntry("attn-2l-resid1-topk/cfg.json")!.Open()))
        {
            Assert.Equal(4, cfg.RootElement.GetProperty("d_sae").GetInt32());
            Assert.Equal("blocks.1.hook_resid_post", cfg.RootElement.GetProperty("hook_name").GetString());
        }
        var weights = new MemoryStream();
        await zip.GetEntry("attn-2l-resid1-topk/sae_weights.safetensors")!.Open().CopyToAsync(weights, Ct);
        Assert.Equal(Weights, weights.ToArray());

        var sparsity = new MemoryStream();
        await zip.GetEntry("attn-2l-resid1-topk/sparsity.safetensors")!.Open().CopyToAsync(sparsity, Ct);
        var bytes = sparsity.ToArray();
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var tensor = header.RootElement.GetProperty("sparsity");
        Assert.Equal("F32", tensor.GetProperty("dtype").GetString());
        Assert.Equal([4], tensor.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        var values = Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + headerLength + i * 4))).ToArray();
        Assert.Equal(8 + headerLength + 16, bytes.Length);
        Assert.Equal((float)Math.Log10(0.0123 + 1e-10), values[0], 5);
        Assert.Equal((float)Math.Log10(0.2 + 1e-10), values[1], 5);
        Assert.Equal(-10f, values[3], 5);
    }
}
