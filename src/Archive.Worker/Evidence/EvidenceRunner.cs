using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Engine;
using Archive.Worker.Methods;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Archive.Worker.Evidence;

/// <summary>
/// Executes one claimed evidence run: loads the claim and its model, runs the method, judges the headline number against
/// the claim's expectation, and stores the whole record (section 8): parameters, exact inputs, numbers, artifacts,
/// verdict, provenance. A failure is stored as a failed run with verdict <c>error</c> and its message.
/// </summary>
public sealed class EvidenceRunner(
    ArchiveDbContext db,
    ModelCache models,
    BlobCache files,
    IEnumerable<IEvidenceMethod> methods,
    IOptions<EvidenceWorkerOptions> options,
    ILogger<EvidenceRunner> logger)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static readonly string ApplicationVersion =
        typeof(EvidenceRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public async Task ExecuteAsync(Guid runId, CancellationToken ct)
    {
        var run = await db.EvidenceRuns.Include(r => r.Claim).SingleAsync(r => r.Id == runId, ct);
        var target = await db.Claims.Where(c => c.Id == run.ClaimId)
            .Select(c => new { SpecimenId = c.Revision.SpecimenId, c.Revision.Specimen.Model.Sha256, c.Revision.Specimen.Model.Architecture })
            .SingleAsync(ct);
        var started = DateTimeOffset.UtcNow;
        run.StartedAt ??= started;
        var stopwatch = Stopwatch.StartNew();
        var claim = run.Claim;
        var spec = new ClaimSpec(claim.Method, claim.Targets, claim.Parameters.RootElement.Clone());
        try
        {
            var method = methods.FirstOrDefault(m => m.Names.Contains(claim.Method))
                ?? throw new InvalidDataException($"No evidence method '{claim.Method}'. Known: {string.Join(", ", methods.SelectMany(m => m.Names).Order())}.");
            EvidenceContext context;
            var modelHash = ContentHash.Parse(target.Sha256);
            if (IsTransformer(target.Architecture))
            {
                var (model, path) = await models.GetAsync(modelHash, ct);
                context = new EvidenceContext(spec, path, target.Sha256, model);
            }
            else
            {
                context = new EvidenceContext(spec, await files.GetAsync(modelHash, ct), target.Sha256, null);
            }
            // The engine is synchronous and CPU/GPU-bound: keep it off the host's threads.
            var outcome = await Task.Run(() => method.Run(context), ct);
            run.HeadlineValue = outcome.Headline;
            run.Verdict = Verdicts.Judge(claim.Comparison, claim.Expected, claim.ExpectedUpper, claim.Tolerance, outcome.Headline);
            run.Parameters = ToJson(outcome.Parameters);
            run.Inputs = ToJson(outcome.Inputs);
            run.Numbers = ToJson(outcome.Numbers);
            run.Artifacts = outcome.Artifacts is null ? null : ToJson(outcome.Artifacts);
            run.Status = EvidenceStatus.Succeeded;
            run.Error = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Evidence run {Run} for claim {Claim} failed.", runId, claim.Key);
            run.Status = EvidenceStatus.Failed;
            run.Verdict = EvidenceVerdict.Error;
            run.Error = ex is InvalidDataException or FormatException or ArgumentException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        }
        stopwatch.Stop();
        run.FinishedAt = DateTimeOffset.UtcNow;
        run.Provenance = ToJson(new
        {
            model_sha256 = target.Sha256,
            engine = "Archive.Engine " + ApplicationVersion,
            torchsharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(),
            libtorch = EngineDevice.LibTorchVersion,
            device = EngineDevice.Name,
            torch_threads = TorchSharp.torch.get_num_threads(),
            application_version = ApplicationVersion,
            worker = options.Value.WorkerName,
            started = run.StartedAt,
            duration_ms = stopwatch.Elapsed.TotalMilliseconds,
            tolerance = claim.Tolerance,
            comparison = claim.Comparison.ToString(),
            expected = claim.Expected,
            expected_upper = claim.ExpectedUpper,
        });
        await db.SaveChangesAsync(ct);
        await ClaimStatusRollup.RefreshAsync(db, target.SpecimenId, ct);
        await EvidenceQueue.NotifyAsync(db, EvidenceChannels.Finished, runId, ct);
        logger.LogInformation("Evidence run {Run} ({Method}, claim {Claim}): {Verdict} with {Value} in {Ms:F0} ms.",
            runId, claim.Method, claim.Key, run.Verdict, run.HeadlineValue, stopwatch.Elapsed.TotalMilliseconds);
    }

    public static bool IsTransformer(string architecture) => architecture != ToyModelArchitecture;

    /// <summary>The one model family in the archive that is not a transformer.</summary>
    public const string ToyModelArchitecture = "toy-superposition";

    private static JsonDocument ToJson(object value) => JsonSerializer.SerializeToDocument(value, Json);
}
