using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Archive.Data.Accounts;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Tests.Submissions;

/// <summary>The bundle folder as one zip: on the API (<c>application/zip</c>) and from the site's submission form.</summary>
public sealed partial class BundleZipTests(ArchiveFixture archive) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private User ada = null!;

    public async ValueTask InitializeAsync()
    {
        await archive.ResetAsync();
        ada = await archive.CreateAccountAsync("ada", ArchiveRoles.Contributor);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The shipped bundle under a new slug, zipped inside one top folder as a researcher would zip it.</summary>
    private static byte[] Zip(bool withManifest = true, bool withWriteup = true, bool writeupTwice = false)
    {
        var manifest = SubmittedBundle.Manifest("ada-zipped", "ada-zipped-model");
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            if (withManifest)
            {
                using var writer = new StreamWriter(zip.CreateEntry("my-bundle/specimen.json").Open());
                writer.Write(manifest.ToJsonString());
            }
            if (withWriteup) zip.CreateEntryFromFile(SubmittedBundle.File("writeup.md"), "my-bundle/writeup.md");
            if (writeupTwice) zip.CreateEntryFromFile(SubmittedBundle.File("writeup.md"), "my-bundle/writeup.md");
            zip.CreateEntryFromFile(SubmittedBundle.File("model.safetensors"), "my-bundle/model.safetensors");
        }
        return buffer.ToArray();
    }

    [Fact]
    public async Task The_api_takes_a_zipped_bundle()
    {
        using var client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Submit));
        using var body = new ByteArrayContent(Zip());
        body.Headers.ContentType = new("application/zip");

        using var response = await client.PostAsync("/api/v1/submissions", body, Ct);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("ada-zipped", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("slug").GetString());
    }

    [Fact]
    public async Task A_zip_without_a_manifest_is_refused()
    {
        using var client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Submit));
        using var body = new ByteArrayContent(Zip(withManifest: false));
        body.Headers.ContentType = new("application/zip");

        using var response = await client.PostAsync("/api/v1/submissions", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no specimen.json", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_zip_naming_one_file_twice_is_refused_rather_than_one_copy_winning()
    {
        using var client = archive.ClientWithKey(await archive.CreateKeyAsync(ada, ApiKeyScopes.Submit));
        using var body = new ByteArrayContent(Zip(writeupTwice: true));
        body.Headers.ContentType = new("application/zip");

        using var response = await client.PostAsync("/api/v1/submissions", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'writeup.md' is sent twice", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_site_form_makes_the_draft_and_goes_to_its_page()
    {
        using var session = await archive.SignInAsync("ada");

        using var response = await PostFormAsync(session, Zip());

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/specimens/ada-zipped", response.LocationPath());
        Assert.Contains("Draft.", await session.GetPageAsync("/specimens/ada-zipped"));
    }

    [Fact]
    public async Task A_refused_bundle_comes_back_to_the_form_with_its_faults_for_its_submitter_only()
    {
        using var session = await archive.SignInAsync("ada");

        using var response = await PostFormAsync(session, Zip(withWriteup: false));
        var back = response.LocationPath()!;
        var page = await session.GetPageAsync(back);

        Assert.StartsWith("/submissions/new?refusal=", back);
        Assert.Contains("The bundle was not stored", page);
        Assert.Contains("writeup: no file", page);
        await archive.CreateAccountAsync("bob", ArchiveRoles.Contributor);
        using var bob = await archive.SignInAsync("bob");
        Assert.DoesNotContain("writeup: no file", await bob.GetPageAsync(back));
        await using var db = archive.CreateDbContext();
        Assert.False(await db.Specimens.AnyAsync(Ct));
    }

    private static async Task<HttpResponseMessage> PostFormAsync(SiteSession session, byte[] zip)
    {
        var html = await session.GetPageAsync("/submissions/new");
        var token = TokenPattern().Match(html).Groups[1].Value;
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent(zip), "bundle", "bundle.zip" },
        };
        return await session.Client.PostAsync("/submissions/upload", form, Ct);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
