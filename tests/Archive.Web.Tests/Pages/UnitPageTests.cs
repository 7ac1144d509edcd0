using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Data.Evidence;
using Archive.Data.Models;
using Archive.Formats.Models;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Pages;

/// <summary>The CNN's unit pages and API, read from the curve-detector bundle's real unit atlas and model file.</summary>
public sealed class UnitPageTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string Bundle = "curve-detectors-mnist-cnn", Slug = "mnist-cnn";

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The model and its units as the importer stores them, and a claim on conv2:3 with a finished run.</summary>
    private async Task<UnitAtlas> SeedAsync()
    {
        var modelPath = ShippedBundles.File(Bundle, "model.safetensors");
        string sha;
        await using (var file = File.OpenRead(modelPath)) sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
        var card = ModelCard.Inspect(modelPath, ConvNetFileHeader.Architecture);
        var read = await ModelUnitAtlas.ReadAsync(ShippedBundles.File(Bundle, "units.json"), ConvNetFileHeader.Architecture, card, sha, CancellationToken.None);

        await using var db = archive.CreateDbContext();
        var model = ArchiveTestData.NewModel(Slug);
        model.Architecture = ConvNetFileHeader.Architecture;
        model.ConfigJson = card.ConfigJson;
        var specimen = ArchiveTestData.NewSpecimen(model, "curves", "Curve detectors");
        var claim = specimen.Revisions.Single().Claims[0]; // claims are immutable once stored
        claim.Targets = ["conv2:3"];
        claim.Statement = "conv2:3 prefers curves to lines";
        await ArchiveTestData.SaveAsync(db, specimen);
        await ModelUnitAtlas.StoreAsync(db, model, read, CancellationToken.None);
        db.EvidenceRuns.Add(ArchiveTestData.FinishedRun(claim, EvidenceVerdict.Supported, 0.42));
        await db.SaveChangesAsync();
        return read.Atlas;
    }

    [Fact]
    public async Task The_model_page_lists_every_unit_with_its_tuning_and_links_to_its_page()
    {
        var atlas = await SeedAsync();

        var html = WebUtility.HtmlDecode(await archive.CreateClient().GetStringAsync($"/models/{Slug}"));

        Assert.Equal(24, atlas.Units.Count); // 8 channels of conv1, 16 of conv2
        foreach (var unit in atlas.Units) Assert.Contains($"href=\"/models/{Slug}/units/{unit.Unit}\"", html);
        Assert.Contains("PyTorch <code>state_dict()</code> names", html);
        Assert.DoesNotContain("load with <code>HookedTransformer</code>", html);
        Assert.Contains("<code>conv2d 5×5, padding 2</code>", html);
        Assert.Contains("Curve detector: chosen by the selection rule", html);
    }

    [Fact]
    public async Task A_unit_page_draws_its_tuning_curve_stimuli_visualisation_weights_examples_and_claims()
    {
        var atlas = await SeedAsync();
        var unit = atlas.Units.Single(u => u.Unit == "conv2:3");

        var response = await archive.CreateClient().GetAsync($"/models/{Slug}/units/conv2:3");
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<h1 id=\"unit-title\"><code>conv2:3</code></h1>", html);
        Assert.Contains(unit.Role, html);
        Assert.Contains("class=\"chart polar", html);
        // One tile per stimulus (arcs and lines), one visualisation, one kernel per conv1 channel, one per example.
        Assert.Equal(unit.Tuning.Orientations.Length + unit.Tuning.LineOrientations.Length + 1 + unit.Weights.Count + unit.TopExamples.Count,
            Regex.Count(html, "<g class=\"cells\">"));
        foreach (var input in unit.Weights) Assert.Contains($"href=\"/models/{Slug}/units/{input.Input}\"", html);
        Assert.Contains("conv2:3 prefers curves to lines", html);
        Assert.Contains("badge-supported", html);
        Assert.Contains("href=\"/models/mnist-cnn/units/conv2:2\"", html); // neighbours
    }

    [Fact]
    public async Task The_api_serves_the_unit_list_and_one_unit_with_its_atlas_entry_and_claims()
    {
        var atlas = await SeedAsync();
        var client = archive.CreateClient();

        var list = await client.GetFromJsonAsync<JsonElement>($"/api/v1/models/{Slug}/units");
        Assert.Equal(atlas.Units.Select(u => u.Unit).Order(StringComparer.Ordinal), list.EnumerateArray().Select(u => u.GetProperty("unit").GetString()!).Order(StringComparer.Ordinal));

        var one = await client.GetFromJsonAsync<JsonElement>($"/api/v1/models/{Slug}/units/conv2:3");
        var expected = atlas.Units.Single(u => u.Unit == "conv2:3");
        Assert.Equal(expected.Tuning.CurveResponses, one.GetProperty("atlas").GetProperty("tuning").GetProperty("curve_responses").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(expected.Visualisation.Pixels, one.GetProperty("atlas").GetProperty("visualisation").GetProperty("pixels").GetBytesFromBase64());
        Assert.Equal("conv2:3 prefers curves to lines", one.GetProperty("claims")[0].GetProperty("statement").GetString());
        Assert.Equal($"/models/{Slug}/units/conv2:3", one.GetProperty("page").GetString());
    }

    [Theory]
    [InlineData("conv2:99")]
    [InlineData("fc1:0")]
    [InlineData("not-a-unit")]
    public async Task An_unknown_unit_is_a_404_on_the_page_and_a_problem_on_the_api(string unit)
    {
        await SeedAsync();
        var client = archive.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/models/{Slug}/units/{unit}")).StatusCode);
        var api = await client.GetAsync($"/api/v1/models/{Slug}/units/{unit}");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_atlas_of_another_model_file_or_naming_a_missing_channel_is_refused_before_anything_is_stored()
    {
        var modelPath = ShippedBundles.File(Bundle, "model.safetensors");
        var card = ModelCard.Inspect(modelPath, ConvNetFileHeader.Architecture);
        var atlasPath = ShippedBundles.File(Bundle, "units.json");

        var other = await Assert.ThrowsAsync<InvalidDataException>(() => ModelUnitAtlas.ReadAsync(atlasPath, ConvNetFileHeader.Architecture, card, new string('0', 64), CancellationToken.None));
        Assert.Contains("describes the model file", other.Message);

        var text = await File.ReadAllTextAsync(atlasPath);
        var sha = JsonDocument.Parse(text).RootElement.GetProperty("model_sha256").GetString()!;
        var edited = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(edited, text.Replace("\"unit\":\"conv2:15\"", "\"unit\":\"conv2:16\"", StringComparison.Ordinal));
            var missing = await Assert.ThrowsAsync<InvalidDataException>(() => ModelUnitAtlas.ReadAsync(edited, ConvNetFileHeader.Architecture, card, sha, CancellationToken.None));
            Assert.Contains("conv2 has 16 channels", missing.Message);
        }
        finally
        {
            File.Delete(edited);
        }
        await using var db = archive.CreateDbContext();
        Assert.Equal(0, await db.ModelUnits.CountAsync());
    }
}
