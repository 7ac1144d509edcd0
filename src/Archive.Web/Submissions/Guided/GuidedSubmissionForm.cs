using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Archive.Data;
using Archive.Data.Accounts;
using Archive.Data.Blobs;
using Archive.Data.Bundles;
using Archive.Data.Circuits;
using Archive.Data.Evidence;
using Archive.Data.Specimens;
using Archive.Formats.Models;
using Archive.Web.Accounts;
using Archive.Web.Circuits;
using Archive.Web.Files;
using Archive.Web.Infrastructure;
using Archive.Web.Markdown;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Archive.Web.Submissions.Guided;

public sealed record PreviewRequest(string? Markdown);

/// <summary>A validated model upload: the id "Save draft" names it by, and what the archive read from its header.</summary>
public sealed record StagedModelResponse(Guid Upload, string Sha256, long SizeBytes, string Architecture, ModelCard Card);

/// <summary>A circuit the form may carry: in the archive's JSON, and drawn as the specimen page draws it.</summary>
public sealed record CircuitPreviewResponse(CircuitDocument Circuit, string Svg);

/// <summary>A saved draft: where the form shows its claims' checks, and the claims the worker is checking.</summary>
public sealed record GuidedSaveResponse(string Slug, int Revision, string FormUrl, string SpecimenUrl, IReadOnlyList<SubmittedClaim> Claims, IReadOnlyList<string> Warnings);

/// <summary>
/// The guided submission form's endpoints (<c>/submissions/guided</c>): the writeup's live preview, the model upload,
/// circuit files, a claim's check, "Save draft" and "Check now". They are called by <c>js/guided-form.js</c> with the
/// site's cookie, so each checks the page's antiforgery token (sent as the <c>RequestVerificationToken</c> header).
/// Refusals are ValidationProblems whose <c>errors</c> are keyed by the form's field names (<see cref="FaultFields"/>).
/// Saving calls the same <see cref="SubmissionImporter"/> as <c>POST /api/v1/submissions</c>: nothing is stored half-way.
/// </summary>
public static class GuidedSubmissionForm
{
    private const string ExpiredForm = "The form has expired. Reload the page (your fields are kept in this browser) and try again.";

    public static IEndpointRouteBuilder MapGuidedSubmissionForm(this IEndpointRouteBuilder app)
    {
        var form = app.MapGroup("/submissions/guided").RequireAuthorization(ArchivePolicies.Submit).ExcludeFromDescription();
        form.MapPost("/preview", Preview);
        form.MapPost("/model", UploadModel).RequireRateLimiting(RateLimits.Submissions);
        form.MapPost("/circuit", ReadCircuit);
        form.MapPost("/claim", CheckClaim);
        form.MapPost("/save", Save).RequireRateLimiting(RateLimits.Submissions);
        form.MapPost("/{slug}/check", CheckNow).RequireRateLimiting(RateLimits.EvidenceRequests);
        return app;
    }

    /// <summary>The writeup as the published page renders it: HTML from the one Markdown pipeline (sanitised there).</summary>
    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> Preview(HttpContext http, IAntiforgery antiforgery, MarkdownRenderer markdown, PreviewRequest request)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return FormResults.Invalid(ExpiredForm);
        var text = request.Markdown ?? "";
        if (Encoding.UTF8.GetByteCount(text) > SubmissionImporter.MaxWriteupBytes)
            return FormResults.Invalid($"The writeup is over {SubmissionImporter.MaxWriteupBytes:N0} bytes.");
        return TypedResults.Content(markdown.Render(text).Html, "text/html; charset=utf-8");
    }

    /// <summary>
    /// The model file as the raw body (the form shows the upload's progress), streamed into staging and validated as
    /// the importer validates it: its safetensors header as it arrives, then its config against <paramref name="architecture"/>.
    /// </summary>
    public static async Task<Results<Ok<StagedModelResponse>, ValidationProblem, ProblemHttpResult>> UploadModel(
        HttpContext http, ClaimsPrincipal principal, IAntiforgery antiforgery, BlobUploads uploads, StagedModels staged, string? architecture, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return FormResults.Invalid(ExpiredForm);
        if (string.IsNullOrWhiteSpace(architecture)) return ModelFault("choose the model's architecture first.");
        var received = await uploads.ReceiveAsync(http.Request, UploadKind.Safetensors, ct);
        if (received.Staged is not { } blob)
            return received.Problem!.ProblemDetails.Status == StatusCodes.Status400BadRequest ? ModelFault(received.Problem.ProblemDetails.Detail ?? "not a safetensors file.") : received.Problem;
        try
        {
            var card = ModelCard.Inspect(blob.Path, architecture);
            var id = staged.Keep(principal.UserId()!.Value, new StagedModel(blob, architecture, card));
            return TypedResults.Ok(new StagedModelResponse(id, blob.Hash.Hex, blob.Length, architecture, card));
        }
        catch (Exception e) when (e is ModelFormatException or InvalidDataException or FormatException or NotSupportedException)
        {
            await blob.DisposeAsync();
            return ModelFault(e.Message);
        }
    }

    private static ValidationProblem ModelFault(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["model.file"] = [message] }, title: "The model file was refused.");

    /// <summary>
    /// A circuit file: the archive's circuit JSON, or a circuit-tracer / Neuronpedia attribution graph (told apart by
    /// its <c>links</c>), converted as <c>POST /api/v1/circuits/attribution-graph</c> converts it.
    /// </summary>
    public static async Task<Results<Ok<CircuitPreviewResponse>, ValidationProblem, ProblemHttpResult>> ReadCircuit(
        HttpContext http, IAntiforgery antiforgery, IOptions<ArchiveOptions> options, string? slug, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return FormResults.Invalid(ExpiredForm);
        var field = "circuits";
        ValidationProblem Fault(string message) => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The circuit file was refused.");
        JsonDocument document;
        try
        {
            using var limited = new LengthLimitedStream(http.Request.Body, options.Value.MaxGraphBytes);
            document = await JsonDocument.ParseAsync(limited, new JsonDocumentOptions { MaxDepth = 64 }, ct);
        }
        catch (JsonException e)
        {
            return Fault($"not valid JSON: {e.Message}");
        }
        catch (LengthLimitedStream.TooLongException)
        {
            return Fault($"larger than {options.Value.MaxGraphBytes:N0} bytes.");
        }
        using (document)
        {
            var root = document.RootElement;
            CircuitDocument? circuit;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("links", out _))
            {
                var (imported, _, errors) = AttributionGraph.Import(root, string.IsNullOrWhiteSpace(slug) ? "circuit" : slug);
                if (imported is null) return Fault(string.Join(" ", errors.Take(5).Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
                circuit = imported;
            }
            else
            {
                try
                {
                    circuit = root.Deserialize<CircuitDocument>(BundleManifest.JsonOptions);
                }
                catch (JsonException e)
                {
                    return Fault($"neither the archive's circuit JSON nor an attribution graph (one with 'links'): {e.Message}");
                }
            }
            if (CircuitFault(circuit) is { } fault) return Fault(fault);
            return TypedResults.Ok(new CircuitPreviewResponse(circuit!, CircuitDiagramSvg.Render(circuit!.ToDiagram(), $"guided-{circuit!.Slug}", "#")));
        }
    }

    /// <summary>What the importer would refuse in a circuit, and what would leave its drawing without a node to draw.</summary>
    private static string? CircuitFault(CircuitDocument? circuit)
    {
        if (circuit is null || string.IsNullOrWhiteSpace(circuit.Slug) || string.IsNullOrWhiteSpace(circuit.Title) || circuit.Nodes is null || circuit.Edges is null)
            return "a circuit has a slug, a title, nodes and edges.";
        if (circuit.Nodes.Any(n => string.IsNullOrWhiteSpace(n.Id) || n.Label is null || n.Description is null))
            return "every node has an id, a label and a description.";
        try
        {
            CircuitMapping.ToEntity(circuit, new Dictionary<string, int>());
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
        var ids = circuit.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        return circuit.Edges.FirstOrDefault(e => !ids.Contains(e.Source) || !ids.Contains(e.Target)) is { } edge
            ? $"the edge {edge.Source} → {edge.Target} names a node the circuit does not have." : null;
    }

    /// <summary>One claim read by the worker's rule as the form fills it in: the faults by field (none: it reads).</summary>
    public static async Task<Results<Ok<Dictionary<string, string[]>>, ProblemHttpResult>> CheckClaim(HttpContext http, IAntiforgery antiforgery, GuidedClaim claim, int? index)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return FormResults.Invalid(ExpiredForm);
        var faults = new List<string>();
        var bundled = claim.ToBundleClaim(index ?? 0, faults);
        BundleClaims.Parse([bundled], faults);
        var keys = Enumerable.Repeat("", index ?? 0).Append(bundled.Key).ToList();
        return TypedResults.Ok(FaultFields.Place(faults, keys, []));
    }

    /// <summary>"Save draft": the form's fields become a bundle (manifest, writeup, model file) and go through the importer.</summary>
    public static async Task<Results<Ok<GuidedSaveResponse>, ValidationProblem, ProblemHttpResult>> Save(
        HttpContext http, ClaimsPrincipal principal, IAntiforgery antiforgery, UserManager<User> users, ArchiveDbContext db, SubmissionImporter importer,
        IBlobStore store, StagedModels stagedModels, IOptions<ArchiveOptions> options, GuidedDraft draft, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return FormResults.Invalid(ExpiredForm);
        var submitter = await users.GetUserAsync(principal);
        if (submitter is null) return FormResults.Invalid("Your account no longer exists.");

        var faults = new List<string>();
        var (model, modelFile) = await ModelOfAsync(db, stagedModels, submitter.Id, draft.Model, faults, ct);
        var manifest = draft.ToManifest(model, faults);
        var claimKeys = manifest.Claims.Select(c => c.Key).ToList();
        var circuitSlugs = manifest.Circuits.Select(c => c.Slug).ToList();
        if (faults.Count > 0) return Refused(FaultFields.Place(faults, claimKeys, circuitSlugs));

        try
        {
            await using var upload = SubmissionUpload.Assemble(store, options.Value.MaxUploadBytes, JsonSerializer.Serialize(manifest, BundleManifest.JsonOptions));
            await using (var writeup = new MemoryStream(Encoding.UTF8.GetBytes(draft.Writeup ?? "")))
                await upload.AddAsync(GuidedDraft.WriteupFile, writeup, ct);
            // A copy: the staged upload stays for the next save should this one be refused.
            if (modelFile is not null)
                await using (var file = File.OpenRead(modelFile.Blob.Path))
                    await upload.AddAsync(GuidedDraft.ModelFile, file, ct);
            var result = await importer.ImportAsync(submitter, upload, ct);
            if (draft.Model?.Upload is { } held) stagedModels.Release(submitter.Id, held); // stored: the archive has it under its slug now
            var slug = Uri.EscapeDataString(result.Slug);
            return TypedResults.Ok(new GuidedSaveResponse(result.Slug, result.Revision, $"/submissions/guided?slug={slug}", $"/specimens/{slug}", result.Claims, result.Warnings));
        }
        catch (SubmissionRefusedException refused) when (refused.Status == StatusCodes.Status400BadRequest)
        {
            return Refused(FaultFields.Place(refused.Faults, claimKeys, circuitSlugs));
        }
        catch (SubmissionRefusedException refused)
        {
            return TypedResults.Problem(string.Join(" ", refused.Faults), title: refused.Title, statusCode: refused.Status);
        }
    }

    private static ValidationProblem Refused(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The draft was not saved.", detail: "Nothing was stored; each fault is shown next to its field.");

    /// <summary>The manifest's model: the archive's model the form picked, or the uploaded file (with the staged copy to send).</summary>
    private static async Task<(BundleModel Model, StagedModel? File)> ModelOfAsync(
        ArchiveDbContext db, StagedModels stagedModels, int userId, GuidedModel? form, List<string> faults, CancellationToken ct)
    {
        if (form?.Existing is { Length: > 0 } existing)
        {
            var stored = await db.Models.AsNoTracking().Where(m => m.Slug == existing)
                .Select(m => new BundleModel { Slug = m.Slug, Name = m.Name, Architecture = m.Architecture, Description = m.Description })
                .SingleOrDefaultAsync(ct);
            if (stored is null) faults.Add($"model: the archive has no model '{existing}'.");
            return (stored ?? new BundleModel { Slug = existing, Name = existing, Architecture = "" }, null);
        }
        var staged = form?.Upload is { } id ? stagedModels.Find(userId, id) : null;
        var model = new BundleModel
        {
            Slug = form?.Slug?.Trim() ?? "", Name = form?.Name?.Trim() ?? "", Architecture = staged?.Architecture ?? form?.Architecture ?? "",
            Description = form?.Description?.Trim() ?? "", TrainingNotes = form?.TrainingNotes?.Trim() ?? "", File = GuidedDraft.ModelFile,
        };
        if (staged is null)
        {
            if (form?.Upload is null) faults.Add("model: pick a model of the archive, or upload its safetensors file.");
            // Uploads are held for an hour; one a save already stored is the archive's now, under its slug.
            else if (!await db.Models.AnyAsync(m => m.Slug == model.Slug, ct)) faults.Add("model.file: the upload is no longer held (uploads wait an hour); choose the file again.");
        }
        return (model, staged);
    }

    /// <summary>"Check now": every claim of the caller's draft goes back to the worker (as a person's request), then the form shows them.</summary>
    public static async Task<Results<StatusCodeHttpResult, NotFound, ProblemHttpResult>> CheckNow(
        HttpContext http, ClaimsPrincipal principal, IAntiforgery antiforgery, ArchiveDbContext db, string slug, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return FormResults.Invalid(ExpiredForm);
        var userId = principal.UserId();
        var draft = await db.Specimens.AsNoTracking()
            .Where(s => s.Slug == slug && s.SubmittedById == userId && (s.Status == SpecimenStatus.Draft || s.Status == SpecimenStatus.InReview))
            .Select(s => new { s.CurrentRevisionId, Handle = s.SubmittedBy!.Handle }).SingleOrDefaultAsync(ct);
        if (draft?.CurrentRevisionId is not { } revisionId) return TypedResults.NotFound();
        var claimIds = await db.Claims.Where(c => c.RevisionId == revisionId).OrderBy(c => c.Key).Select(c => c.Id).ToListAsync(ct);
        foreach (var claimId in claimIds) await EvidenceRequests.QueueAsync(db, claimId, $"@{draft.Handle}", EvidencePriority.Person, ct);
        return FormResults.SeeOther(http, $"/submissions/guided?slug={Uri.EscapeDataString(slug)}#checks");
    }
}
