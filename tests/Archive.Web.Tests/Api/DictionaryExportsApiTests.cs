using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Archive.Data.Dictionaries;
using Archive.Data.Models;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Api;

public sealed class DictionaryExportsApiTests(ArchiveFixture archive) : IAsyncLifetime
{
    private const string Slug = "attn-2l-resid1-topk";
    private const string WideSlug = "attn-2l-resid1-wide";

    /// <summary>More than two Neuronpedia batches of 1,024, so the last one is partial.</summary>
    private const int WideFeatures = 2_100;

    // Neuronpedia's columns, in the order its exporter (export-data.py) selects them.
    private static readonly string[] NeuronpediaFeatureKeys =
    [
        "modelId", "layer", "index", "maxActApprox", "creatorId", "frac_nonzero", "freq_hist_data_bar_heights", "freq_hist_data_bar_values",
        "logits_hist_data_bar_heights", "logits_hist_data_bar_values", "neuron_alignment_indices", "neuron_alignment_l1", "neuron_alignment_values",
        "correlated_neurons_indices", "correlated_neurons_l1", "correlated_neurons_pearson", "decoder_weights_dist", "neg_str", "neg_values",
        "pos_str", "pos_values", "sourceSetName", "topkCosSimIndices", "topkCosSimValues", "vector", "vectorLabel", "hookName",
        "vectorDefaultSteerStrength", "hasVector",
    ];

    private static readonly string[] NeuronpediaActivationKeys =
    [
        "id", "modelId", "layer", "index", "creatorId", "dataSource", "tokens", "maxValue", "minValue", "values", "maxValueTokenIndex",
        "dfaValues", "dfaMaxValue", "dfaTargetIndex", "binContains", "binMin", "binMax",
    ];

    private static readonly string[] NeuronpediaExplanationKeys =
    [
        "id", "modelId", "layer", "index", "authorId", "description", "embedding", "typeName", "explanationModelName",
        "umap_x", "umap_y", "umap_cluster", "umap_log_feature_sparsity",
    ];

    public async ValueTask InitializeAsync() => await archive.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Features_jsonl_is_one_line_per_feature_in_index_order_equal_to_the_feature_api()
    {
        await SeedSmallAsync();
        using var client = archive.CreateClient();

        var response = await client.GetAsync($"/api/v1/dictionaries/{Slug}/features.jsonl", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"{Slug}.features.jsonl", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.NotNull(response.Headers.ETag);
        var lines = await JsonLinesAsync(response);
        Assert.Equal([0, 1, 2, 3], lines.Select(l => l.RootElement.GetProperty("index").GetInt32()));

        foreach (var line in lines)
        {
            var index = line.RootElement.GetProperty("index").GetInt32();
            using var api = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/dictionaries/{Slug}/features/{index}", Ct));
            // A line is the per-feature answer less what places the feature (its dictionary, circuits, neighbours).
            var expected = api.RootElement.EnumerateObject().Where(p => p.Name is not ("dictionary" or "circuits" or "previous" or "next")).ToList();
            Assert.Equal(expected.Select(p => p.Name).Order(), line.RootElement.EnumerateObject().Select(p => p.Name).Order());
            foreach (var property in expected)
                Assert.True(JsonElement.DeepEquals(property.Value, line.RootElement.GetProperty(property.Name)), $"feature {index}: {property.Name} differs");
        }
        // The contexts and the similar features' explanations are there, not just the rows.
        Assert.Equal(" \"", lines[0].RootElement.GetProperty("topActivations")[0].GetProperty("tokens")[2].GetString());
        Assert.Equal("plural nouns", lines[0].RootElement.GetProperty("similarFeatures")[0].GetProperty("explanation").GetString());
    }

    [Fact]
    public async Task Features_jsonl_pages_through_a_dictionary_larger_than_a_page()
    {
        await SeedWideAsync();

        var response = await archive.CreateClient().GetAsync($"/api/v1/dictionaries/{WideSlug}/features.jsonl", Ct);

        var lines = await JsonLinesAsync(response);
        Assert.Equal(Enumerable.Range(0, WideFeatures), lines.Select(l => l.RootElement.GetProperty("index").GetInt32()));
    }

    [Fact]
    public async Task Downloads_answer_304_to_their_etag_until_the_features_change()
    {
        await SeedSmallAsync();
        using var client = archive.CreateClient();

        foreach (var url in new[] { $"/api/v1/dictionaries/{Slug}/features.jsonl", $"/api/v1/dictionaries/{Slug}/neuronpedia.zip" })
        {
            var first = await client.GetAsync(url, Ct);
            var etag = first.Headers.ETag!;
            Assert.False(etag.IsWeak);

            using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
            conditional.Headers.IfNoneMatch.Add(etag);
            var notModified = await client.SendAsync(conditional, Ct);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal(etag, notModified.Headers.ETag);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync(Ct));

            using var weak = new HttpRequestMessage(HttpMethod.Get, url);
            weak.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag.Tag, isWeak: true));
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(weak, Ct)).StatusCode);
        }

        var before = (await client.GetAsync($"/api/v1/dictionaries/{Slug}/features.jsonl", Ct)).Headers.ETag!;
        await using (var db = archive.CreateDbContext())
        {
            // An explanation rewritten in place: same rows, same ids, a new transaction.
            await db.Features.Where(f => f.Index == 2).ExecuteUpdateAsync(s => s.SetProperty(f => f.Explanation, "rewritten"), Ct);
        }
        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/dictionaries/{Slug}/features.jsonl");
        stale.Headers.IfNoneMatch.Add(before);
        var changed = await client.SendAsync(stale, Ct);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(before, changed.Headers.ETag);
        Assert.Equal("rewritten", (await JsonLinesAsync(changed))[2].RootElement.GetProperty("explanation").GetString());
    }

    [Theory]
    [InlineData("/api/v1/dictionaries/nope/features.jsonl")]
    [InlineData("/api/v1/dictionaries/nope/neuronpedia.zip")]
    public async Task Unknown_dictionaries_are_problem_details_404s(string url)
    {
        await SeedSmallAsync();

        var response = await archive.CreateClient().GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Not found", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("nope", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Neuronpedia_zip_has_the_export_layout_in_batches_of_1024_with_neuronpedias_columns()
    {
        await SeedWideAsync();

        var response = await archive.CreateClient().GetAsync($"/api/v1/dictionaries/{WideSlug}/neuronpedia.zip", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{WideSlug}.neuronpedia.zip", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync(Ct)));
        var root = $"attn-only-2l/1-{WideSlug}/";
        string[] batches = ["batch-0.jsonl.gz", "batch-1.jsonl.gz", "batch-2.jsonl.gz"];
        Assert.Equal(
            new[] { "model.jsonl", "release.jsonl", "source.jsonl", "sourceset.jsonl" }
                .Concat(new[] { "features", "explanations", "activations" }.SelectMany(folder => batches.Select(b => $"{folder}/{b}")))
                .Select(name => root + name).Order(StringComparer.Ordinal),
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));

        var features = batches.Select(b => GzipLines(zip, $"{root}features/{b}")).ToList();
        Assert.Equal([1024, 1024, WideFeatures - 2048], features.Select(f => f.Count));
        var all = features.SelectMany(f => f).ToList();
        Assert.Equal(Enumerable.Range(0, WideFeatures).Select(i => i.ToString(CultureInfo.InvariantCulture)), all.Select(f => f.RootElement.GetProperty("index").GetString()));
        foreach (var file in features) AssertSameKeys(file, NeuronpediaFeatureKeys);

        var feature = all[7].RootElement;
        Assert.Equal("attn-only-2l", feature.GetProperty("modelId").GetString());
        Assert.Equal($"1-{WideSlug}", feature.GetProperty("layer").GetString());
        Assert.Equal(WideSlug, feature.GetProperty("sourceSetName").GetString());
        Assert.Equal("blocks.1.hook_resid_post", feature.GetProperty("hookName").GetString());
        Assert.Equal(Density(7), feature.GetProperty("frac_nonzero").GetDouble());
        Assert.Equal(MaxActivation(7), feature.GetProperty("maxActApprox").GetDouble());
        Assert.Equal([" said", " wrote"], feature.GetProperty("pos_str").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([-0.07], feature.GetProperty("neg_values").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([8, 6], feature.GetProperty("topkCosSimIndices").EnumerateArray().Select(e => e.GetInt32()));
        // Bars sit at the activation of each log10 bin's centre: edges -3, -2, … → 10^-2.5, 10^-1.5, …
        Assert.Equal(Math.Pow(10, -2.5), feature.GetProperty("freq_hist_data_bar_values")[0].GetDouble(), 12);
        Assert.Equal(HistogramCounts(7), feature.GetProperty("freq_hist_data_bar_heights").EnumerateArray().Select(e => e.GetDouble()));

        var explanations = batches.Select(b => GzipLines(zip, $"{root}explanations/{b}")).ToList();
        foreach (var file in explanations) AssertSameKeys(file, NeuronpediaExplanationKeys);
        Assert.Equal(Enumerable.Range(0, WideFeatures).Where(i => Explanation(i).Length > 0).Select(i => i.ToString(CultureInfo.InvariantCulture)),
            explanations.SelectMany(f => f).Select(e => e.RootElement.GetProperty("index").GetString()));
        Assert.Equal(Explanation(3), explanations[0][1].RootElement.GetProperty("description").GetString());

        var activations = batches.Select(b => GzipLines(zip, $"{root}activations/{b}")).ToList();
        foreach (var file in activations) AssertSameKeys(file, NeuronpediaActivationKeys);
        // Batch N holds the contexts of the features of features/batch-N.
        Assert.All(activations[1], a => Assert.InRange(int.Parse(a.RootElement.GetProperty("index").GetString()!, CultureInfo.InvariantCulture), 1024, 2047));
        Assert.Equal(Enumerable.Range(0, WideFeatures).Sum(ContextCount), activations.Sum(f => f.Count));
        var context = activations[0].First(a => a.RootElement.GetProperty("index").GetString() == "5").RootElement;
        Assert.Equal(["He", " said", " \"", "Hello"], context.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(MaxActivation(5), context.GetProperty("maxValue").GetDouble());
        Assert.Equal(0, context.GetProperty("minValue").GetDouble());
        Assert.Equal(2, context.GetProperty("maxValueTokenIndex").GetInt32());
        Assert.Equal(2, activations[0].Select(a => a.RootElement.GetProperty("id").GetString()).Count(id => id!.StartsWith($"attn-only-2l-1-{WideSlug}-5-", StringComparison.Ordinal)));

        using var source = JsonDocument.Parse(PlainText(zip, root + "source.jsonl"));
        Assert.Equal($"1-{WideSlug}", source.RootElement.GetProperty("id").GetString());
        Assert.Equal(WideSlug, source.RootElement.GetProperty("setName").GetString());
        Assert.Equal("topk", source.RootElement.GetProperty("saelensConfig").GetProperty("architecture").GetString());
        using var model = JsonDocument.Parse(PlainText(zip, root + "model.jsonl"));
        Assert.Equal("attn-only-2l", model.RootElement.GetProperty("id").GetString());
        Assert.Equal(2, model.RootElement.GetProperty("layers").GetInt32());
        using var sourceSet = JsonDocument.Parse(PlainText(zip, root + "sourceset.jsonl"));
        using var release = JsonDocument.Parse(PlainText(zip, root + "release.jsonl"));
        Assert.Equal(release.RootElement.GetProperty("name").GetString(), sourceSet.RootElement.GetProperty("releaseName").GetString());
    }

    [Fact]
    public async Task Neuronpedia_export_imports_into_a_dictionary_with_the_same_numbers()
    {
        var model = await SeedWideAsync();
        await using (var db = archive.CreateDbContext())
        {
            db.Attach(model);
            var target = DictionaryTestData.NewDictionary(model, slug: "roundtrip", title: "The wide dictionary, back from Neuronpedia");
            target.DSae = 4096;
            target.Features = [];
            await DictionaryTestData.SaveAsync(db, target);
        }
        using var client = archive.CreateClient();
        var zipPath = Path.Combine(Path.GetTempPath(), $"neuronpedia-{Guid.NewGuid():N}.zip");
        try
        {
            await File.WriteAllBytesAsync(zipPath, await client.GetByteArrayAsync($"/api/v1/dictionaries/{WideSlug}/neuronpedia.zip", Ct), Ct);

            NeuronpediaImportResult result;
            await using (var db = archive.CreateDbContext())
                result = await NeuronpediaImporter.ImportAsync(db, zipPath, "roundtrip", TextWriter.Null, Ct);

            Assert.Equal(WideFeatures, result.Features);
            Assert.Equal(Enumerable.Range(0, WideFeatures).Sum(ContextCount), result.Activations);
            Assert.Equal(Enumerable.Range(0, WideFeatures).Count(i => Explanation(i).Length > 0), result.Explanations);
        }
        finally
        {
            File.Delete(zipPath);
        }

        var original = await JsonLinesAsync(await client.GetAsync($"/api/v1/dictionaries/{WideSlug}/features.jsonl", Ct));
        var imported = await JsonLinesAsync(await client.GetAsync("/api/v1/dictionaries/roundtrip/features.jsonl", Ct));
        Assert.Equal(original.Count, imported.Count);
        for (var i = 0; i < original.Count; i++)
        {
            var before = original[i].RootElement;
            var after = imported[i].RootElement;
            foreach (var property in before.EnumerateObject().Where(p => p.Name != "histogram"))
                Assert.True(JsonElement.DeepEquals(property.Value, after.GetProperty(property.Name)), $"feature {i}: {property.Name} differs");
            // log10 edges → bar activations → log10 edges: the same up to rounding.
            var (edges, counts) = (before.GetProperty("histogram").GetProperty("edges"), before.GetProperty("histogram").GetProperty("counts"));
            Assert.True(JsonElement.DeepEquals(counts, after.GetProperty("histogram").GetProperty("counts")));
            var roundTripped = after.GetProperty("histogram").GetProperty("edges").EnumerateArray().Select(e => e.GetDouble()).ToList();
            Assert.Equal(edges.GetArrayLength(), roundTripped.Count);
            foreach (var (expected, actual) in edges.EnumerateArray().Select(e => e.GetDouble()).Zip(roundTripped)) Assert.Equal(expected, actual, 1e-9);
        }
    }

    [Fact]
    public async Task Import_reads_neuronpedias_own_layout_text_ordered_batches_unsorted_contexts_and_several_explanations()
    {
        await SeedSmallAsync();
        var folder = Directory.CreateTempSubdirectory("neuronpedia-export-").FullName;
        try
        {
            // As export-data.py writes a source: features paged by the TEXT index, activations by numeric index range,
            // explanations paged on their own, extra keys Neuronpedia's importer ignores, and an exports/ tree around it.
            var source = Path.Combine(folder, "exports", "gpt2-small", "1-res-jb");
            string Feature(string index, double density) => $$"""{"modelId":"gpt2-small","layer":"1-res-jb","index":"{{index}}","maxActApprox":{{density * 100}},"creatorId":"x","frac_nonzero":{{density}},"freq_hist_data_bar_heights":[4,2],"freq_hist_data_bar_values":[0.1,1.0],"pos_str":[" a"],"pos_values":[0.5],"neg_str":[],"neg_values":[],"topkCosSimIndices":[2],"topkCosSimValues":[0.25],"createdAt":"2024-01-01T00:00:00"}""";
            string Activation(string id, string index, double max) => $$"""{"id":"{{id}}","modelId":"gpt2-small","layer":"1-res-jb","index":"{{index}}","creatorId":"x","tokens":["a","b"],"values":[0,{{max}}],"maxValue":{{max}},"minValue":0,"maxValueTokenIndex":1,"zIndices":[[1],[2]]}""";
            string Explanation(string index, string description) => $$"""{"id":"e{{index}}{{description.Length}}","modelId":"gpt2-small","layer":"1-res-jb","index":"{{index}}","authorId":"x","description":"{{description}}","typeName":"oai_token-act-pair","explanationModelName":"gpt-4o-mini"}""";
            WriteGzip(Path.Combine(source, "features", "batch-0.jsonl.gz"), Feature("0", 0.01), Feature("1", 0.02), Feature("10", 0.1));
            WriteGzip(Path.Combine(source, "features", "batch-1.jsonl.gz"), Feature("2", 0.03), Feature("3", 0.04));
            WriteGzip(Path.Combine(source, "activations", "batch-0.jsonl.gz"), Activation("a", "1", 1.5), Activation("b", "1", 3.5), Activation("c", "10", 2));
            WriteGzip(Path.Combine(source, "explanations", "batch-0.jsonl.gz"), Explanation("1", "first word"), Explanation("1", "a later explanation"), Explanation("3", "numbers"));
            File.WriteAllText(Path.Combine(source, "source.jsonl"), """{"id":"1-res-jb","modelId":"gpt2-small","setName":"res-jb","creatorId":"x","visibility":"PUBLIC"}""" + "\n");
            await using (var db = archive.CreateDbContext())
            {
                await db.FeatureDictionaries.Where(d => d.Slug == Slug).ExecuteUpdateAsync(s => s.SetProperty(d => d.DSae, 16), Ct);
                var result = await NeuronpediaImporter.ImportAsync(db, Path.Combine(folder, "exports"), Slug, TextWriter.Null, Ct);
                Assert.Equal((5, 3, 2), (result.Features, result.Activations, result.Explanations));
            }

            var lines = await JsonLinesAsync(await archive.CreateClient().GetAsync($"/api/v1/dictionaries/{Slug}/features.jsonl", Ct));
            Assert.Equal([0, 1, 2, 3, 10], lines.Select(l => l.RootElement.GetProperty("index").GetInt32()));
            var one = lines[1].RootElement;
            Assert.Equal(0.02, one.GetProperty("density").GetDouble());
            Assert.Equal(2.0, one.GetProperty("maxActivation").GetDouble());
            Assert.Equal("first word", one.GetProperty("explanation").GetString());
            Assert.Equal([3.5, 1.5], one.GetProperty("topActivations").EnumerateArray().Select(c => c.GetProperty("maxValue").GetDouble()));
            Assert.Equal([0, 1], one.GetProperty("topActivations").EnumerateArray().Select(c => c.GetProperty("rank").GetInt32()));
            Assert.Equal(" a", one.GetProperty("positiveLogits")[0].GetProperty("token").GetString());
            Assert.Equal(2, one.GetProperty("similarFeatures")[0].GetProperty("index").GetInt32());
            // Bars at activations 0.1 and 1 are log10 bins centred on −1 and 0.
            Assert.Equal([-1.5, -0.5, 0.5], one.GetProperty("histogram").GetProperty("edges").EnumerateArray().Select(e => Math.Round(e.GetDouble(), 12)));
            Assert.Equal("numbers", lines[3].RootElement.GetProperty("explanation").GetString());
            Assert.Equal("", lines[2].RootElement.GetProperty("explanation").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Import_refuses_an_unknown_dictionary_and_leaves_nothing()
    {
        await SeedWideAsync();
        var zipPath = Path.Combine(Path.GetTempPath(), $"neuronpedia-{Guid.NewGuid():N}.zip");
        try
        {
            await File.WriteAllBytesAsync(zipPath, await archive.CreateClient().GetByteArrayAsync($"/api/v1/dictionaries/{WideSlug}/neuronpedia.zip", Ct), Ct);
            await using var db = archive.CreateDbContext();

            var error = await Assert.ThrowsAsync<InvalidDataException>(() => NeuronpediaImporter.ImportAsync(db, zipPath, "nope", TextWriter.Null, Ct));

            Assert.Contains("nope", error.Message);
            Assert.Equal(WideFeatures, await db.Features.CountAsync(Ct));
        }
        finally
        {
            File.Delete(zipPath);
        }
    }

    private async Task SeedSmallAsync()
    {
        var dictionary = DictionaryTestData.NewDictionary(ArchiveTestData.NewModel());
        // Stored out of order: the download's order is the index's, not the rows'.
        dictionary.Features.Reverse();
        await using var db = archive.CreateDbContext();
        await DictionaryTestData.SaveAsync(db, dictionary);
    }

    /// <summary>A dictionary of <see cref="WideFeatures"/> small features: a third explained, each with one or two contexts.</summary>
    private async Task<Model> SeedWideAsync()
    {
        var model = ArchiveTestData.NewModel();
        var dictionary = DictionaryTestData.NewDictionary(model, slug: WideSlug, title: "Residual stream after layer 1, TopK, wide");
        dictionary.DSae = 4096;
        dictionary.Features = [.. Enumerable.Range(0, WideFeatures).Select(WideFeature)];
        await using var db = archive.CreateDbContext();
        await DictionaryTestData.SaveAsync(db, dictionary);
        return model;
    }

    private static Feature WideFeature(int i) => new()
    {
        Index = i,
        Explanation = Explanation(i),
        Density = Density(i),
        MaxActivation = MaxActivation(i),
        // Histogram underflow and overflow have no Neuronpedia column, so the round trip's dictionary has none.
        HistogramJson = JsonSerializer.Serialize(new { edges = new[] { -3.0, -2, -1, 0, 1 }, counts = HistogramCounts(i), underflow = 0, overflow = 0 }),
        PositiveLogitsJson = """[{"token":" said","value":0.91},{"token":" wrote","value":0.5}]""",
        NegativeLogitsJson = """[{"token":" the","value":-0.07}]""",
        SimilarFeaturesJson = $$"""[{"index":{{(i + 1) % WideFeatures}},"cosine":0.8123},{"index":{{(i + WideFeatures - 1) % WideFeatures}},"cosine":0.{{i % 7 + 1}}}]""",
        TopActivations = [.. Enumerable.Range(0, ContextCount(i)).Select(rank => new FeatureActivation
        {
            Rank = rank,
            MaxValue = MaxActivation(i) / (rank + 1),
            MaxTokenIndex = 2,
            Tokens = ["He", " said", " \"", "Hello"],
            Values = [0, 0.1, MaxActivation(i) / (rank + 1), 0.25],
        })],
    };

    private static string Explanation(int i) => i % 3 == 0 ? $"feature {i}: after an opening quote" : "";
    private static double Density(int i) => (i + 1) / 8192.0;
    private static double MaxActivation(int i) => 0.5 + i * 0.001;
    private static int ContextCount(int i) => i % 5 == 0 ? 2 : 1;
    private static double[] HistogramCounts(int i) => [i % 11, 3, 12.5, i % 2];

    private static async Task<List<JsonDocument>> JsonLinesAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.EndsWith("\n", text);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l))];
    }

    private static void WriteGzip(string path, params string[] lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Optimal);
        using var writer = new StreamWriter(gzip);
        foreach (var line in lines) writer.Write(line + "\n");
    }

    private static List<JsonDocument> GzipLines(ZipArchive zip, string name)
    {
        using var gzip = new GZipStream(zip.GetEntry(name)!.Open(), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l))];
    }

    private static string PlainText(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        var text = reader.ReadToEnd();
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return text;
    }

    /// <summary>Neuronpedia's importer takes a file's columns from its first line, so every line must have the same keys.</summary>
    private static void AssertSameKeys(List<JsonDocument> lines, string[] expected)
    {
        Assert.NotEmpty(lines);
        Assert.Equal(expected, lines[0].RootElement.EnumerateObject().Select(p => p.Name));
        Assert.All(lines, l => Assert.Equal(expected, l.RootElement.EnumerateObject().Select(p => p.Name)));
    }
}
