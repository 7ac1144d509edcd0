using System.Net;
using Archive.Data.Blobs;
using Archive.Web.Files;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archive.Benchmarks.Blobs;

/// <summary>
/// <c>Archive.Benchmarks blob-server --dir D --port P [--max-upload-bytes N]</c>: Kestrel around the site's own file code,
/// for .ci/bench-blobs to drive with curl and to watch with /proc: <c>POST /upload</c> streams a body through the upload
/// primitive into a filesystem blob store, <c>GET /blobs/{sha256}</c> answers with the download result the model and
/// dictionary endpoints use. No database: the measurement is the bytes' path, not the row.
/// </summary>
public static class BlobBenchmarkServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string? fallback = null) =>
            args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback ?? throw new ArgumentException($"blob-server needs {name}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, int.Parse(Arg("--port"))));
        builder.Configuration["Blobs:Directory"] = Arg("--dir");
        builder.Services.AddBlobStore();
        builder.Services.Configure<ArchiveOptions>(o => o.MaxUploadBytes = long.Parse(Arg("--max-upload-bytes", (4L << 30).ToString())));
        builder.Services.AddSingleton<BlobUploads>();
        builder.Services.AddProblemDetails();
        var app = builder.Build();

        app.MapPost("/upload", async (HttpRequest request, BlobUploads uploads, IBlobStore store, CancellationToken ct) =>
        {
            var upload = await uploads.ReceiveAsync(request, UploadKind.Any, ct);
            if (upload.Problem is { } problem) return (IResult)problem;
            await using var staged = upload.Staged!;
            var stored = await store.CommitAsync(staged, ct);
            return TypedResults.Ok(new { sha256 = stored.Hash.Hex, size = stored.Length });
        });
        app.MapMethods("/blobs/{sha256}", [HttpMethods.Get, HttpMethods.Head], async (string sha256, IBlobStore store, CancellationToken ct) =>
            await store.StatAsync(ContentHash.Parse(sha256), ct) is { } stat
                ? (IResult)new BlobFileResult(stat.Hash, stat.Length, "blob.bin")
                : TypedResults.NotFound());
        await app.RunAsync();
        return 0;
    }
}
