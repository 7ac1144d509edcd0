using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace Archive.Web.Infrastructure;

/// <summary>
/// Brotli or gzip for the API's JSON and NDJSON (feature exports and specimen lists shrink several-fold). Only for
/// machine formats: HTML pages carry an antiforgery token beside text a visitor can choose (search terms), which is what a
/// compression side channel (BREACH) needs, and the API signs in by header, which another site cannot make a browser
/// send. Static files are already precompressed by MapStaticAssets.
/// </summary>
public static class ApiCompression
{
    public static readonly string[] MediaTypes =
        ["application/json", "application/problem+json", "application/x-ndjson", "text/csv", "image/svg+xml"];

    public static IServiceCollection AddApiCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.MimeTypes = MediaTypes;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
        });
        // Fastest: responses are generated per request and streamed; the size gain of higher levels costs CPU per call.
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        return services;
    }
}
