using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Engine;
using Archive.Engine.Evidence;
using Archive.Formats.Claims;
using Archive.Formats.Models;
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

    /// <summary>
    /// Runs a leased run to its end. A record (any verdict, or an error the claim itself causes) is stored and the attempt
    /// completed; an infrastructure failure sends the run back to the queue with a backoff, or ends it as an error after
    /// the last attempt. Every write is conditional on still holding the lease. <paramref name="abort"/> (cancelled,
    /// lease lost, worker stopping) is honoured between steps and, inside the engine, between transformer blocks and
    /// between chunks of long loops (<see cref="EngineCancellation"/>), so a cancelled run stops within moments.
    /// </summary>
    public async Task ExecuteAsync(LeasedRun leased, CancellationToken abort)
    {
        var worker = options.Value.WorkerName;
        var run = await LoadRunAsync(leased.Id, abort);
        var target = await LoadTargetAsync(run.ClaimId, abort);
        var stopwatch = Stopwatch.StartNew();
        var claim = run.Claim;
        TimeSpan? loadedAt = null, computedAt = null;
        try
        {
            // A claim stored before its method's parameters were typed may not read: that is the claim's fault, not
            // the worker's, so it fails the run with the fields named instead of retrying.
            var spec = ClaimMethods.Parse(claim.Method, claim.Targets, claim.Parameters.RootElement.Clone());
            var method = methods.FirstOrDefault(m => m.Names.Contains(claim.Method))
                ?? throw new InvalidDataException($"No evidence method '{claim.Method}'. Known: {string.Join(", ", methods.SelectMany(m => m.Names).Order())}.");
            var modelHash = ContentHash.Parse(target.Sha256);
            using var turn = await models.TakeTurnAsync(modelHash, abort);
            EvidenceContext context;
            if (ModelArchitectures.IsConvNet(target.Architecture))
            {
                var (net, path) = await models.GetConvNetAsync(modelHash, abort);
                context = new EvidenceContext(spec, path, target.Sha256, null) { ConvNet = net };
            }
            else if (ModelArchitectures.IsTransformer(target.Architecture))
            {
                var (model, path) = await models.GetAsync(modelHash, abort);
                context = new EvidenceContext(spec, path, target.Sha256, model);
            }
            else
            {
                context = new EvidenceContext(spec, await files.GetAsync(modelHash, abort), target.Sha256, null);
            }
            loadedAt = stopwatch.Elapsed;
            await EvidenceQueue.ReportPhaseAsync(db, leased, worker, EvidencePhases.Computing, 2, abort);
            // The engine is synchronous and CPU/GPU-bound: keep it off the host's threads.
            var outcome = await Task.Run(() =>
            {
                // A cancel, a lost lease or a stopping worker stops the engine at its next block or chunk.
                using (EngineCancellation.Use(abort)) return method.Run(context);
            }, CancellationToken.None);
            computedAt = stopwatch.Elapsed;
            abort.ThrowIfCancellationRequested();
            run.HeadlineValue = outcome.Headline;
            run.Verdict = new ClaimExpectation(claim.Comparison, claim.Expected, claim.ExpectedUpper, claim.Tolerance).Judge(outcome.Headline);
            run.Parameters = ToJson(outcome.Parameters);
            run.Inputs = ToJson(outcome.Inputs);
            run.Numbers = ToJson(outcome.Numbers);
            run.Artifacts = outcome.Artifacts is null ? null : ToJson(outcome.Artifacts);
            run.Status = EvidenceStatus.Succeeded;
            run.Error = null;
        }
        catch (Exception ex) when (IsClaimError(ex))
        {
            logger.LogWarning("Evidence run {Run} for claim {Claim} failed: {Reason}", leased.Id, claim.Key, ex.Message);
            run.Status = EvidenceStatus.Failed;
            run.Verdict = EvidenceVerdict.Error;
            run.Error = ex.Message;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await FailAttemptAsync(leased, target.SpecimenId, ex);
            return;
        }
        stopwatch.Stop();
        if (run.Status == EvidenceStatus.Succeeded && run.HeadlineValue is { } headline)
        {
            var previous = await PreviousHeadlineAsync(run.ClaimId, run.Id, CancellationToken.None);
            run.HeadlineChange = previous is { } before ? headline - before : null;
            run.Drifted = run.HeadlineChange is { } change && Math.Abs(change) > claim.Tolerance;
        }
        run.FinishedAt = DateTimeOffset.UtcNow;
        run.LeaseOwner = null;
        run.LeaseExpiresAt = null;
        // Written by SQL as the run went (the entity never saw them): mark them so the finished record clears them.
        run.Phase = null;
        run.Step = null;
        run.StepCount = null;
        db.Entry(run).Property(r => r.Phase).IsModified = true;
        db.Entry(run).Property(r => r.Step).IsModified = true;
        db.Entry(run).Property(r => r.StepCount).IsModified = true;
        run.Provenance = ToJson(new
        {
            model_sha256 = target.Sha256,
            engine = "Archive.Engine " + ApplicationVersion,
            torchsharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(),
            libtorch = EngineDevice.LibTorchVersion,
            device = EngineDevice.Name,
            torch_threads = TorchSharp.torch.get_num_threads(),
            application_version = ApplicationVersion,
            worker,
            attempt = leased.Attempt,
            started = run.StartedAt,
            duration_ms = stopwatch.Elapsed.TotalMilliseconds,
            // Where the time went: fetching and loading the model (nothing when cached), then the method itself.
            load_ms = loadedAt?.TotalMilliseconds,
            compute_ms = computedAt - loadedAt is { } compute ? compute.TotalMilliseconds : (double?)null,
            tolerance = claim.Tolerance,
            comparison = claim.Comparison.ToString(),
            expected = claim.Expected,
            expected_upper = claim.ExpectedUpper,
        });
        await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            try
            {
                await db.SaveChangesAsync(CancellationToken.None); // WHERE lease_owner = this worker (a concurrency token)
            }
            catch (DbUpdateConcurrencyException)
            {
                logger.LogWarning("Evidence run {Run}: the lease passed to another worker before the record was stored; discarded.", leased.Id);
                return;
            }
            await EvidenceQueue.CloseAttemptAsync(db, leased, EvidenceAttemptOutcome.Completed, run.Error, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        await FinishedAsync(target.SpecimenId, leased.Id);
        logger.LogInformation("Evidence run {Run} ({Method}, claim {Claim}): {Verdict} with {Value} in {Ms:F0} ms.",
            leased.Id, claim.Method, claim.Key, run.Verdict, run.HeadlineValue, stopwatch.Elapsed.TotalMilliseconds);
    }

    /// <summary>Faults of the claim or its files, which another attempt would only repeat: stored as the run's error.</summary>
    private static bool IsClaimError(Exception ex) => ex is InvalidDataException or FormatException or ArgumentException or KeyNotFoundException;

    private async Task FailAttemptAsync(LeasedRun leased, int specimenId, Exception ex)
    {
        var o = options.Value;
        var reason = $"{ex.GetType().Name}: {ex.Message}";
        if (leased.Attempt < o.MaxAttempts)
        {
            var delay = o.RetryDelay * Math.Pow(2, leased.Attempt - 1);
            logger.LogWarning(ex, "Evidence run {Run}, attempt {Attempt} of {Max}, failed; retrying in {Delay}.", leased.Id, leased.Attempt, o.MaxAttempts, delay);
            await EvidenceQueue.EndAttemptAsync(db, leased, o.WorkerName, EvidenceAttemptOutcome.Failed, EvidenceStatus.Queued, DateTimeOffset.UtcNow + delay, reason, CancellationToken.None);
            return;
        }
        logger.LogError(ex, "Evidence run {Run} failed on its last attempt ({Attempt}).", leased.Id, leased.Attempt);
        if (await EvidenceQueue.EndAttemptAsync(db, leased, o.WorkerName, EvidenceAttemptOutcome.Failed, EvidenceStatus.Failed, null,
                $"Failed after {leased.Attempt} attempts: {reason}", CancellationToken.None))
        {
            await FinishedAsync(specimenId, leased.Id);
        }
    }

    private Task<EvidenceRun> LoadRunAsync(Guid id, CancellationToken ct) =>
        db.EvidenceRuns.Include(r => r.Claim).SingleAsync(r => r.Id == id, ct);

    private sealed record RunTarget(int SpecimenId, string Sha256, string Architecture);

    private Task<RunTarget> LoadTargetAsync(int claimId, CancellationToken ct) =>
        db.Claims.Where(c => c.Id == claimId)
            .Select(c => new RunTarget(c.Revision.SpecimenId, c.Revision.Specimen.Model.Sha256, c.Revision.Specimen.Model.Architecture))
            .SingleAsync(ct);

    private Task<double?> PreviousHeadlineAsync(int claimId, Guid runId, CancellationToken ct) =>
        db.EvidenceRuns.AsNoTracking()
            .Where(r => r.ClaimId == claimId && r.Id != runId && r.Status == EvidenceStatus.Succeeded && r.HeadlineValue != null)
            .OrderByDescending(r => r.FinishedAt).Select(r => r.HeadlineValue).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Builds EF Core's model, compiles the queries a run makes and starts its update pipeline, before the first run
    /// arrives: in a fresh process they cost more than a warm run's whole computation, and a person waiting for a
    /// verdict should not pay it. Every statement names a row that does not exist, so nothing changes.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken ct)
    {
        try { await LoadRunAsync(Guid.Empty, ct); } catch (InvalidOperationException) { } // no such run: compiled all the same
        try { await LoadTargetAsync(-1, ct); } catch (InvalidOperationException) { }
        await PreviousHeadlineAsync(-1, Guid.Empty, ct);
        try { await ClaimStatusRollup.RefreshAsync(db, -1, ct); } catch (InvalidOperationException) { }
        var nothing = new EvidenceRun { Id = Guid.Empty, LeaseOwner = options.Value.WorkerName };
        db.EvidenceRuns.Attach(nothing);
        nothing.Status = EvidenceStatus.Succeeded;
        try { await db.SaveChangesAsync(ct); } catch (DbUpdateConcurrencyException) { } // no row: updated none, as intended
        db.ChangeTracker.Clear();
    }

    private async Task FinishedAsync(int specimenId, Guid runId)
    {
        await ClaimStatusRollup.RefreshAsync(db, specimenId, CancellationToken.None);
        await EvidenceQueue.NotifyAsync(db, EvidenceChannels.Finished, runId, CancellationToken.None);
    }

    private static JsonDocument ToJson(object value) => JsonSerializer.SerializeToDocument(value, Json);
}
