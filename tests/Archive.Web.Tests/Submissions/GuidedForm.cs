using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Web.Tests.Accounts;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Submissions;

/// <summary>
/// The guided form's endpoints called as its script calls them: signed in by the site's cookie, with the antiforgery
/// token the page rendered in the <c>RequestVerificationToken</c> header.
/// </summary>
public sealed partial class GuidedForm : IDisposable
{
    public const string ToyBundle = "toy-models-of-superposition-20-in-5";

    private readonly SiteSession session;
    private readonly string token;

    private GuidedForm(SiteSession session, string token)
    {
        this.session = session;
        this.token = token;
    }

    /// <summary>Signs in as <paramref name="handle"/> and opens <paramref name="page"/> (another script-driven form, such as
    /// /dictionaries/new, is called the same way) for its token.</summary>
    public static async Task<GuidedForm> OpenAsync(ArchiveFixture archive, string handle, string page = "/submissions/guided")
    {
        var session = await archive.SignInAsync(handle);
        var html = await session.GetPageAsync(page);
        return new GuidedForm(session, System.Net.WebUtility.HtmlDecode(TokenPattern().Match(html).Groups["token"].Value));
    }

    public SiteSession Session => session;

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body, bool withToken = true) =>
        PostAsync(path, new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json"), withToken);

    public Task<HttpResponseMessage> PostAsync(string path, HttpContent content, bool withToken = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (withToken) request.Headers.Add("RequestVerificationToken", token);
        return session.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Uploads a model file as the form does (the raw body); returns the response.</summary>
    public Task<HttpResponseMessage> UploadModelAsync(byte[] bytes, string architecture)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return PostAsync($"/submissions/guided/model?architecture={architecture}", content);
    }

    /// <summary>The shipped toy-superposition model, uploaded; returns its upload id.</summary>
    public async Task<Guid> UploadToyModelAsync()
    {
        using var response = await UploadModelAsync(await File.ReadAllBytesAsync(ShippedBundles.File(ToyBundle, "model.safetensors")), "toy-superposition");
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("upload").GetGuid();
    }

    /// <summary>A draft as the form sends it: the toy model uploaded, one superposition claim as in the shipped bundle.</summary>
    public static Dictionary<string, object?> Draft(Guid upload, string slug = "toy-again", object? parameters = null, string title = "Superposition in a toy model, again") => new()
    {
        ["slug"] = slug, ["title"] = title, ["summary"] = "Twenty features in five dimensions.", ["behaviour"] = "compressing sparse features",
        ["tags"] = new[] { "superposition" }, ["techniques"] = new[] { "weight-analysis" }, ["authors"] = Array.Empty<string>(),
        ["model"] = new { upload, slug = $"{slug}-model", name = "Toy superposition again", architecture = "toy-superposition" },
        ["writeup"] = "# Findings\n\nDense features: at most five represented.\n",
        ["circuits"] = Array.Empty<object>(),
        ["claims"] = new[]
        {
            new
            {
                key = "dense-at-most-m", statement = "With dense features the model represents at most 5 of the 20 features", method = "superposition",
                targets = new[] { "S=0" }, parameters = parameters ?? new { sparsity_index = 0, measure = "represented_count" },
                comparison = "AtMost", expected = 5.0, tolerance = 0.0,
            },
        },
    };

    public void Dispose() => session.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex TokenPattern();
}
