using System.Net;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Web.Files;
using Archive.Web.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archive.Web.Tests.Files;

/// <summary>
/// A real Kestrel server around the upload primitive, shaped as the submission endpoints use it: receive the body into
/// staging, then commit the blob and its row in one transaction. The site has no public upload endpoint before accounts
/// exist (the submissions issue adds them), so the primitive is tested, over real HTTP, here.
/// </summary>
public sealed class UploadHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly SemaphoreSlim finished = new(0);

    private UploadHost(WebApplication app, string blobDirectory)
    {
        this.app = app;
        BlobDirectory = blobDirectory;
    }

    public string BlobDirectory { get; }

    public string StagingDirectory => Path.Combine(BlobDirectory, "tmp");

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<UploadHost> StartAsync(string connectionString, long maxUploadBytes)
    {
        var blobs = Path.Combine(Path.GetTempPath(), "archive-upload-tests-" + Guid.NewGuid().ToString("N"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Configuration["Blobs:Directory"] = blobs;
        builder.Services.AddArchiveData(connectionString);
        builder.Services.AddBlobStore();
        builder.Services.Configure<ArchiveOptions>(o => o.MaxUploadBytes = maxUploadBytes);
        builder.Services.AddSingleton<BlobUploads>();
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        var host = new UploadHost(app, blobs);
        app.MapPost("/weights", host.ReceiveWeightsAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address + "/");
        return host;
    }

    private async Task<IResult> ReceiveWeightsAsync(HttpRequest request, BlobUploads uploads, ArchiveDbContext db, IBlobStore store, CancellationToken ct)
    {
        try
        {
            var upload = await uploads.ReceiveAsync(request, UploadKind.Safetensors, ct);
            if (upload.Problem is { } problem) return problem;
            await using var staged = upload.Staged!;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var stored = await BlobRows.StoreAsync(db, store, staged, BlobRows.MediaTypes.Safetensors, ct);
            await transaction.CommitAsync(ct);
            return TypedResults.Created($"/blobs/{stored.Hash}", new { sha256 = stored.Hash.Hex, size = stored.Length });
        }
        finally
        {
            finished.Release();
        }
    }

    /// <summary>Waits until the server has finished handling one more upload (however it ended).</summary>
    public async Task WaitForHandledAsync()
    {
        if (!await finished.WaitAsync(TimeSpan.FromSeconds(60))) throw new TimeoutException("The upload handler never finished.");
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        finished.Dispose();
        if (Directory.Exists(BlobDirectory)) Directory.Delete(BlobDirectory, recursive: true);
    }
}
