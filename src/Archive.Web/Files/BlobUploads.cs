using Archive.Data.Blobs;
using Archive.Formats.Safetensors;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Archive.Web.Files;

/// <summary>What an uploaded file must be, checked while it arrives.</summary>
public enum UploadKind
{
    Any,
    /// <summary>A safetensors file: its header is validated as soon as its last byte arrives, so a bad file stops early.</summary>
    Safetensors,
}

/// <summary>An upload staged in the blob store (commit it with <see cref="BlobRows.StoreAsync"/> in the transaction that
/// adds the rows referring to it; dispose it in every case), or the problem that refused it.</summary>
public sealed record UploadResult(StagedBlob? Staged, ProblemHttpResult? Problem);

/// <summary>
/// The upload primitive: a request body streams into the blob store's staging while it is hashed, limited to
/// <see cref="ArchiveOptions.MaxUploadBytes"/> and checked as it arrives. On any failure (a bad file, the limit, the
/// client gone) the staging file is removed and nothing else was written, so a refused upload leaves no blob and no row.
/// </summary>
public sealed class BlobUploads(IBlobStore store, IOptions<ArchiveOptions> options)
{
    public async Task<UploadResult> ReceiveAsync(HttpRequest request, UploadKind kind, CancellationToken ct)
    {
        var limit = options.Value.MaxUploadBytes;
        if (!RequestBodyLimit.TryRaise(request, limit)) return Refused(request, StatusCodes.Status413PayloadTooLarge, "File too large", $"The file has {request.ContentLength:N0} bytes; the limit is {limit:N0}.");

        var check = kind == UploadKind.Safetensors ? new SafetensorsUploadCheck(request.ContentLength) : null;
        try
        {
            var staged = await store.StageAsync(request.Body, new BlobStageOptions { MaxBytes = limit, Check = check }, ct);
            return new UploadResult(staged, null);
        }
        catch (BlobTooLargeException)
        {
            return Refused(request, StatusCodes.Status413PayloadTooLarge, "File too large", $"The file is larger than the limit of {limit:N0} bytes.");
        }
        catch (SafetensorsFormatException e)
        {
            return Refused(request, StatusCodes.Status400BadRequest, "Invalid safetensors file", e.Message, new Dictionary<string, object?> { ["rule"] = e.Rule, ["tensor"] = e.TensorName });
        }
    }

    /// <summary>A refusal also closes the connection: otherwise the server would read (and the client keep sending) the
    /// rest of a body nobody wants, to keep the connection alive.</summary>
    private static UploadResult Refused(HttpRequest request, int status, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        request.HttpContext.Response.Headers.Connection = "close";
        return new(null, TypedResults.Problem(detail, title: title, statusCode: status, extensions: extensions));
    }

    private sealed class SafetensorsUploadCheck(long? declaredLength) : IBlobContentCheck
    {
        private readonly SafetensorsStreamValidator validator = new(declaredLength);

        public void Append(ReadOnlySpan<byte> chunk) => validator.Append(chunk);

        public void Complete(long length) => validator.Complete();
    }
}
