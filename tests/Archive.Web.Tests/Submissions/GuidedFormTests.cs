using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Archive.Data.Accounts;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Formats.Claims;
using Archive.Web.Markdown;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Web.Tests.Submissions;

/// <summary>
/// The guided submission form's endpoints over HTTP: the parameter schemas the claim fields are built from, the writeup
/// preview, the model upload, and saving, which makes or revises a draft through the importer or refuses with each fault
/// keyed by the field it names, storing nothing.
/// </summary>
public sealed class GuidedFormTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private User ada = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A refused save keeps its upload staged for the next try; tests that end there let it go (other tests
    /// check that the blob store's staging is empty).</summary>
    private void Release(User user, Guid upload) => archive.Services.GetRequiredService<Archive.Web.Submissions.Guided.StagedModels>().Release(user.Id, upload);

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

    private static Dictionary<string, string[]> Errors(JsonElement problem) =>
        problem.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;

    [Fact]
    public async Task The_claim_methods_endpoint_gives_each_methods_parameters_as_json_schema()
    {
        using var client = archive.CreateClient();

        var methods = await client.GetFromJsonAsync<JsonElement>("/api/v1/claim-methods", Ct);

        Assert.Equal(ClaimMethods.All.Select(m => m.Name), methods.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        var superposition = methods.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "superposition").GetProperty("parameters");
        Assert.Equal("object", superposition.GetProperty("type").GetString());
        Assert.False(superposition.GetProperty("additionalProperties").GetBoolean());
        var index = superposition.GetProperty("properties").GetProperty("sparsity_index");
        Assert.Equal(("integer", 0, 1000, 0), (index.GetProperty("type").GetString(), index.GetProperty("minimum").GetInt32(), index.GetProperty("maximum").GetInt32(), index.GetProperty("default").GetInt32()));
        Assert.Equal(SuperpositionParameters.Measures, superposition.GetProperty("properties").GetProperty("measure").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        // Nested objects, and what a claim must give: a feature claim names its dictionary and its token set's size.
        var sae = await client.GetFromJsonAsync<JsonElement>("/api/v1/claim-methods/sae_feature", Ct);
        Assert.Contains("dictionary", sae.GetProperty("parameters").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var tokenSet = sae.GetProperty("parameters").GetProperty("properties").GetProperty("token_set");
        Assert.Equal("object", tokenSet.GetProperty("type").GetString());
        Assert.Equal(["windows", "length"], tokenSet.GetProperty("required").EnumerateArray().Select(e => e.GetString()));

        using var unknown = await client.GetAsync("/api/v1/claim-methods/induction", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    /// <summary>The schema says what the worker's rule says: every bound it states is the bound the claim reader enforces.</summary>
    [Fact]
    public async Task Every_bound_in_a_schema_is_the_bound_the_workers_rule_enforces()
    {
        using var client = archive.CreateClient();
        var methods = await client.GetFromJsonAsync<JsonElement>("/api/v1/claim-methods", Ct);

        var checkedBounds = 0;
        foreach (var method in methods.EnumerateArray())
        {
            var name = method.GetProperty("name").GetString()!;
            foreach (var parameter in method.GetProperty("parameters").GetProperty("properties").EnumerateObject())
            {
                if (!parameter.Value.TryGetProperty("maximum", out var maximum) || parameter.Value.GetProperty("type").GetString() != "integer") continue;
                var max = maximum.GetInt64();
                var errors = new List<ClaimFieldError>();
                ClaimMethods.TryParse(name, [], JsonDocument.Parse($$"""{"{{parameter.Name}}": {{max}}}""").RootElement, errors);
                Assert.DoesNotContain(errors, e => e.Field == $"parameters.{parameter.Name}");
                errors.Clear();
                ClaimMethods.TryParse(name, [], JsonDocument.Parse($$"""{"{{parameter.Name}}": {{max + 1}}}""").RootElement, errors);
                Assert.Contains(errors, e => e.Field == $"parameters.{parameter.Name}");
                checkedBounds++;
            }
        }
        Assert.True(checkedBounds >= 10, $"only {checkedBounds} bounds checked");
    }

    [Fact]
    public async Task The_writeup_preview_is_the_published_pages_rendering_and_needs_the_pages_token()
    {
        using var form = await GuidedForm.OpenAsync(archive, "ada");
        const string markdown = "# Findings\n\nInduction score $s \\ge 0.6$.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n";

        using var response = await form.PostJsonAsync("/submissions/guided/preview", new { markdown });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(archive.Services.GetRequiredService<MarkdownRenderer>().Render(markdown).Html, html);
        Assert.Contains("id=\"findings\"", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("javascript:", html);

        using var forged = await form.PostJsonAsync("/submissions/guided/preview", new { markdown }, withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task A_model_file_that_fails_validation_is_refused_next_to_the_model_field_and_nothing_is_kept()
    {
        using var form = await GuidedForm.OpenAsync(archive, "ada");
        var toy = await File.ReadAllBytesAsync(ShippedBundles.File(GuidedForm.ToyBundle, "model.safetensors"));

        using var garbage = await form.UploadModelAsync("not a safetensors file at all"u8.ToArray(), "toy-superposition");
        using var wrongArchitecture = await form.UploadModelAsync(toy, "attn-only");

        foreach (var response in new[] { garbage, wrongArchitecture })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotEmpty(Errors(await JsonOf(response))["model.file"]);
        }
        await using var db = archive.CreateDbContext();
        Assert.Equal(0, await db.Models.CountAsync(Ct));
        Assert.Equal(0, await db.Blobs.CountAsync(b => b.Sha256 != ArchiveFixture.PlaceholderFile.Hex, Ct));
    }

    [Fact]
    public async Task A_refused_save_names_each_faulty_field_and_stores_nothing()
    {
        using var form = await GuidedForm.OpenAsync(archive, "ada");
        var upload = await form.UploadToyModelAsync();
        var draft = GuidedForm.Draft(upload, slug: "Not A Slug", title: "", parameters: new { sparsity_index = 2000, seqlen = 20 });

        using var response = await form.PostJsonAsync("/submissions/guided/save", draft);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = Errors(await JsonOf(response));
        Assert.Equal(["claims[0].parameters.seqlen", "claims[0].parameters.sparsity_index", "model.slug", "slug", "title"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("must lie in [0, 1000]", Assert.Single(errors["claims[0].parameters.sparsity_index"]));
        Assert.Equal("is not a parameter of this method", Assert.Single(errors["claims[0].parameters.seqlen"]));
        await using var db = archive.CreateDbContext();
        Assert.Equal(0, await db.Specimens.CountAsync(Ct));
        Assert.Equal(0, await db.Models.CountAsync(Ct));
        Assert.Equal(0, await db.Blobs.CountAsync(b => b.Sha256 != ArchiveFixture.PlaceholderFile.Hex, Ct));
        Release(ada, upload);
    }

    [Fact]
    public async Task A_claim_is_checked_by_the_workers_rule_as_it_is_filled_in()
    {
        using var form = await GuidedForm.OpenAsync(archive, "ada");
        var claim = new { key = "k", statement = "s", method = "superposition", targets = new[] { "L1H4" }, parameters = new { measure = "feature_norm" }, comparison = "AtLeast", expected = 1.0 };

        using var response = await form.PostJsonAsync("/submissions/guided/claim?index=2", claim);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var errors = (await JsonOf(response)).Deserialize<Dictionary<string, string[]>>()!;
        Assert.Equal(["claims[2].targets", "claims[2].targets[0]"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("this measure needs exactly one feature target such as F3", Assert.Single(errors["claims[2].targets"]));
    }

    [Fact]
    public async Task Saving_makes_a_draft_with_its_claims_queued_and_saving_again_revises_it()
    {
        using var form = await GuidedForm.OpenAsync(archive, "ada");
        var upload = await form.UploadToyModelAsync();

        using var first = await form.PostJsonAsync("/submissions/guided/save", GuidedForm.Draft(upload));
        using var second = await form.PostJsonAsync("/submissions/guided/save", GuidedForm.Draft(upload));

        Assert.True(first.IsSuccessStatusCode, await first.Content.ReadAsStringAsync(Ct));
        var saved = await JsonOf(second);
        Assert.Equal((2, "/submissions/guided?slug=toy-again"), (saved.GetProperty("revision").GetInt32(), saved.GetProperty("formUrl").GetString()));
        await using var db = archive.CreateDbContext();
        var specimen = await db.Specimens.Include(s => s.Model).SingleAsync(Ct);
        Assert.Equal((SpecimenStatus.Draft, "toy-again-model", "toy-superposition"), (specimen.Status, specimen.Model.Slug, specimen.Model.Architecture));
        var claim = await db.Claims.SingleAsync(c => c.RevisionId == specimen.CurrentRevisionId, Ct);
        Assert.Equal((JsonValueKind.Number, "represented_count"), (claim.Parameters.RootElement.GetProperty("sparsity_index").ValueKind, claim.Parameters.RootElement.GetProperty("measure").GetString()));
        Assert.Equal(EvidenceStatus.Queued, (await db.EvidenceRuns.SingleAsync(r => r.ClaimId == claim.Id, Ct)).Status);

        // The page shows the draft's checks, and carries the stored draft for a browser that holds no copy of the fields.
        var page = await form.Session.GetPageAsync("/submissions/guided?slug=toy-again");
        Assert.Contains("data-testid=\"guided-checks\"", page);
        Assert.Contains("data-testid=\"run-live\"", page);
        Assert.Contains("dense-at-most-m", page);
    }

    [Fact]
    public async Task Another_contributor_can_neither_open_nor_recheck_a_draft_through_the_form()
    {
        using (var ada = await GuidedForm.OpenAsync(archive, "ada"))
        {
            using var saved = await ada.PostJsonAsync("/submissions/guided/save", GuidedForm.Draft(await ada.UploadToyModelAsync()));
            Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync(Ct));
        }
        var bobAccount = await archive.CreateAccountAsync("bob", ArchiveRoles.Contributor);
        using var bob = await GuidedForm.OpenAsync(archive, "bob");

        var page = await bob.Session.GetPageAsync("/submissions/guided?slug=toy-again");
        using var recheck = await bob.PostAsync("/submissions/guided/toy-again/check", new FormUrlEncodedContent([]));
        // Bob's own save under Ada's slug is refused by the importer's rule, next to the slug.
        var bobsUpload = await bob.UploadToyModelAsync();
        using var taken = await bob.PostJsonAsync("/submissions/guided/save", GuidedForm.Draft(bobsUpload, slug: "toy-again"));
        Release(bobAccount, bobsUpload);

        Assert.DoesNotContain("guided-checks", page);
        Assert.DoesNotContain("Superposition in a toy model, again", page);
        Assert.Equal(HttpStatusCode.NotFound, recheck.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        Assert.Contains("slug", Errors(await JsonOf(taken)).Keys);
        await using var db = archive.CreateDbContext();
        Assert.Equal(1, await db.EvidenceRuns.CountAsync(Ct));
        Assert.Equal(1, await db.SpecimenRevisions.CountAsync(Ct));
    }
}
