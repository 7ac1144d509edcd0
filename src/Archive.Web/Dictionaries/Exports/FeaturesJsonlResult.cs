using System.Buffers;
using System.Reflection;
using System.Text.Json;
using Archive.Data;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Archive.Web.Dictionaries.Exports;

/// <summary>
/// Every feature of a dictionary as JSON Lines: one <see cref="FeatureRecord"/> per line, in index order, with the API's
/// own JSON options, so a line equals the per-feature API's answer less its dictionary, circuits and neighbours. Rows
/// come <see cref="PageSize"/> at a time by keyset on the index and are serialized straight into the response's pipe.
/// </summary>
public sealed class FeaturesJsonlResult(DictionaryExportSource dictionary, string etag)
    : StreamedDownloadResult(etag, $"{dictionary.Slug}.features.jsonl", MediaType), IEndpointMetadataProvider
{
    /// <summary>JSON Lines has no registered type; application/x-ndjson is the one clients (and jq, and pandas users) expect.</summary>
    public const string MediaType = "application/x-ndjson";

    /// <summary>Features per query: a page of features with their top contexts is what the server holds at once.</summary>
    public const int PageSize = 128;

    /// <summary>Written bytes are handed to the socket once this many are waiting (or after every line, where the pipe cannot say).</summary>
    private const long FlushThresholdBytes = 64 * 1024;

    protected override async Task WriteBodyAsync(HttpContext httpContext, CancellationToken ct)
    {
        var services = httpContext.RequestServices;
        var db = services.GetRequiredService<ArchiveDbContext>();
        var json = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var body = httpContext.Response.BodyWriter;
        using var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = json.Encoder });

        var from = int.MinValue;
        while (true)
        {
            var page = await FeatureRecords.ReadPageAsync(db, dictionary.Id, from, PageSize, FeatureParts.All, ct);
            foreach (var feature in page)
            {
                JsonSerializer.Serialize(writer, feature, json);
                writer.Flush();
                writer.Reset();
                body.Write("\n"u8);
                if (!body.CanGetUnflushedBytes || body.UnflushedBytes >= FlushThresholdBytes)
                {
                    var flushed = await body.FlushAsync(ct);
                    if (flushed.IsCompleted || flushed.IsCanceled) return;
                }
            }
            if (page.Count < PageSize) break;
            from = page[^1].Index + 1;
        }
        await body.FlushAsync(ct);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(FeatureRecord), [MediaType]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
    }
}
