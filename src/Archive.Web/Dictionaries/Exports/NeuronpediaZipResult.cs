using System.Buffers;
using System.IO.Compression;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Archive.Data;
using Archive.Formats.Neuronpedia;
using Microsoft.AspNetCore.Http.Metadata;

namespace Archive.Web.Dictionaries.Exports;

/// <summary>
/// A dictionary in Neuronpedia's export layout (<see cref="NeuronpediaLayout"/>), as one zip written while it is sent:
/// <c>{modelId}/{sourceId}/</c> with the four one-row metadata files and, per 1,024 features, <c>features/batch-N.jsonl.gz</c>,
/// <c>explanations/batch-N.jsonl.gz</c> (the features that have one) and <c>activations/batch-N.jsonl.gz</c> (their top
/// contexts). Batch N holds the N-th 1,024 features in numeric index order. Neuronpedia's exporter pages by its TEXT
/// index column, so its batch 0 holds 0, 1, 10, 100, 1000, 1001 …; the importer does not care which rows share a file,
/// and numeric order keeps a batch's features, explanations and activations together.
/// The zip goes to the response unseekable, so each entry is followed by a data descriptor (sizes and CRC after the
/// bytes), which zip readers that use the central directory (Python's zipfile, unzip, .NET) read. Batches are gzipped on
/// the fly at level 5, as Neuronpedia's exporter does, and stored in the zip uncompressed, since they are compressed already.
/// </summary>
public sealed class NeuronpediaZipResult(DictionaryExportSource dictionary, string etag)
    : StreamedDownloadResult(etag, $"{dictionary.Slug}.neuronpedia.zip", MediaType), IEndpointMetadataProvider
{
    public const string MediaType = "application/zip";

    /// <summary>Features whose top contexts are read per query while an activations batch is written.</summary>
    private const int ContextPageSize = 64;

    /// <summary>Serialized lines gather in a buffer up to this size before they go to the gzip stream.</summary>
    private const int LineBufferBytes = 64 * 1024;

    protected override async Task WriteBodyAsync(HttpContext httpContext, CancellationToken ct)
    {
        var db = httpContext.RequestServices.GetRequiredService<ArchiveDbContext>();
        var rows = new NeuronpediaExportRows(dictionary);
        // Made before the first byte goes out, so that a fault here is still an error response, not a truncated zip.
        var (model, release, sourceSet, source) = (rows.Model(), rows.Release(), rows.SourceSet(), rows.Source());
        // Each entry's last bytes are written synchronously as it closes; they wait in `body` until the flush after it.
        var body = new SyncWriteBufferingStream(httpContext.Response.Body);
        await using (var zip = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
        {
            await WritePlainAsync(zip, rows.Root + NeuronpediaLayout.ModelFile, model, ct);
            await WritePlainAsync(zip, rows.Root + NeuronpediaLayout.ReleaseFile, release, ct);
            await WritePlainAsync(zip, rows.Root + NeuronpediaLayout.SourceSetFile, sourceSet, ct);
            await WritePlainAsync(zip, rows.Root + NeuronpediaLayout.SourceFile, source, ct);
            await body.FlushAsync(ct);

            var from = int.MinValue;
            for (var batch = 0; ; batch++)
            {
                // The batch's rows without their contexts are small (statistics and logit tokens), so a batch of them is
                // held while its features and explanations files are written; its contexts are then read a page at a time.
                var features = await FeatureRecords.ReadPageAsync(db, dictionary.Id, from, NeuronpediaLayout.BatchSize, FeatureParts.Row, ct);
                if (features.Count == 0) break;
                var file = NeuronpediaLayout.BatchFileName(batch);
                await WriteGzippedAsync(zip, $"{rows.Root}{NeuronpediaLayout.FeaturesFolder}/{file}", features.Select(rows.Feature).ToAsyncEnumerable(), ct);
                await body.FlushAsync(ct);
                await WriteGzippedAsync(zip, $"{rows.Root}{NeuronpediaLayout.ExplanationsFolder}/{file}",
                    features.Where(f => f.Explanation.Length > 0).Select(rows.Explanation).ToAsyncEnumerable(), ct);
                await body.FlushAsync(ct);
                await WriteGzippedAsync(zip, $"{rows.Root}{NeuronpediaLayout.ActivationsFolder}/{file}",
                    ActivationsAsync(db, rows, features[0].Index, features.Count, ct), ct);
                await body.FlushAsync(ct);
                if (features.Count < NeuronpediaLayout.BatchSize) break;
                from = features[^1].Index + 1;
            }
        }
        await body.FlushAsync(ct);
    }

    /// <summary>The top contexts of <paramref name="count"/> features from <paramref name="fromIndex"/> on, one page of features at a time.</summary>
    private async IAsyncEnumerable<NeuronpediaActivation> ActivationsAsync(
        ArchiveDbContext db, NeuronpediaExportRows rows, int fromIndex, int count, [EnumeratorCancellation] CancellationToken ct)
    {
        for (var left = count; left > 0;)
        {
            var page = await FeatureRecords.ReadPageAsync(db, dictionary.Id, fromIndex, Math.Min(ContextPageSize, left), FeatureParts.TopActivations, ct);
            if (page.Count == 0) yield break;
            foreach (var feature in page)
                foreach (var context in feature.TopActivations)
                    yield return rows.Activation(feature, context);
            left -= page.Count;
            fromIndex = page[^1].Index + 1;
        }
    }

    private static async Task WritePlainAsync<T>(ZipArchive zip, string name, T row, CancellationToken ct)
    {
        await using var entry = await zip.CreateEntry(name, CompressionLevel.Optimal).OpenAsync(ct);
        await entry.WriteAsync(JsonLine(row), ct);
    }

    /// <summary>
    /// One gzipped JSON Lines entry, created only when there is a first row (Neuronpedia's importer takes a file's columns
    /// from its first line, so an empty file would break it). Every row of a type has the same keys, nulls included.
    /// </summary>
    private static async Task WriteGzippedAsync<T>(ZipArchive zip, string name, IAsyncEnumerable<T> rows, CancellationToken ct)
    {
        await using var next = rows.GetAsyncEnumerator(ct);
        if (!await next.MoveNextAsync()) return;
        await using var entry = await zip.CreateEntry(name, CompressionLevel.NoCompression).OpenAsync(ct);
        await using var gzip = new GZipStream(entry, new ZLibCompressionOptions { CompressionLevel = 5 }, leaveOpen: true);
        var buffer = new ArrayBufferWriter<byte>(LineBufferBytes);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = NeuronpediaLayout.JsonOptions.Encoder });
        do
        {
            JsonSerializer.Serialize(writer, next.Current, NeuronpediaLayout.JsonOptions);
            writer.Flush();
            writer.Reset();
            buffer.Write("\n"u8);
            if (buffer.WrittenCount >= LineBufferBytes)
            {
                await gzip.WriteAsync(buffer.WrittenMemory, ct);
                buffer.ResetWrittenCount();
            }
        }
        while (await next.MoveNextAsync());
        await gzip.WriteAsync(buffer.WrittenMemory, ct);
    }

    private static byte[] JsonLine<T>(T row) => [.. JsonSerializer.SerializeToUtf8Bytes(row, NeuronpediaLayout.JsonOptions), (byte)'\n'];

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Stream), [MediaType]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
    }
}
