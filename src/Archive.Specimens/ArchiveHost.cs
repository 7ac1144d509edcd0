using Archive.Data;
using Archive.Data.Blobs;

namespace Archive.Specimens;

/// <summary>
/// The archive the verbs that write into one (<c>import</c>, <c>import-neuronpedia</c>) talk to: its database and blob
/// store, configured as for the site and the worker (<c>ConnectionStrings__Archive</c>, <c>Blobs__*</c>).
/// </summary>
internal static class ArchiveHost
{
    public static IHost Build()
    {
        // appsettings.json sits beside the binary, wherever the tool is started from.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        var connectionString = builder.Configuration.GetConnectionString("Archive")
            ?? throw new InvalidOperationException("ConnectionStrings:Archive is not set. Start the archive with .ci/start, which provides a local PostgreSQL.");
        builder.Services.AddArchiveData(connectionString);
        builder.Services.AddBlobStore();
        return builder.Build();
    }
}
