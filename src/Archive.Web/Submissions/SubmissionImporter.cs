using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Data;
using Archive.Data.Accounts;
using Archive.Data.Blobs;
using Archive.Data.Bundles;
using Archive.Data.Circuits;
using Archive.Data.Dictionaries;
using Archive.Data.Evidence;
using Archive.Data.Models;
using Archive.Data.Specimens;
using Archive.Formats.Claims;
using Archive.Formats.Models;
using Microsoft.EntityFrameworkCore;

namespace Archive.Web.Submissions;

/// <summary>What a stored submission became.</summary>
/// <param name="Status">The draft's status, or for a new revision of a published specimen the proposal's (<paramref name="Proposal"/>).</param>
/// <param name="Proposal">The revision is proposed for a published specimen: readers keep seeing the published one until a reviewer publishes it.</param>
public sealed record SubmissionResult(string Slug, int Revision, SpecimenStatus Status, bool NewSpecimen, IReadOnlyList<SubmittedClaim> Claims, IReadOnlyList<string> Warnings,
    bool Proposal = false);

/// <summary>A submitted claim and the evidence run queued for it (the worker checks it at once; the author sees the verdict).</summary>
public sealed record SubmittedClaim(string Key, int Id, Guid EvidenceRunId);

/// <summary>
/// Turns an uploaded bundle into a draft: the bundle format the specimen builder writes (<c>specimen.json</c>, the
/// writeup, the model file, <c>images/</c> and <c>tokens/</c> named by sha256), checked whole before anything is stored
/// (every fault of the manifest, the writeup, the model header, each claim and each circuit is reported at once), then
/// stored in one transaction: a refused submission leaves no row and no blob. A draft's slug belongs to its submitter; a
/// second submission with the same slug adds a revision to their draft. On their published specimen it proposes the next
/// revision: stored hidden (<see cref="SpecimenVisibility.RevisionViewableBy"/>) with its listing fields set aside, and
/// reviewed as a draft is, while readers keep the published revision.
/// </summary>
public sealed partial class SubmissionImporter(ArchiveDbContext db, IBlobStore store, TimeProvider clock)
{
    /// <summary>Real writeups are tens of kilobytes; the page renders every byte on each view.</summary>
    public const int MaxWriteupBytes = 1 << 20;

    public async Task<SubmissionResult> ImportAsync(User submitter, SubmissionUpload upload, CancellationToken ct)
    {
        var faults = new List<string>();
        var warnings = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);

        BundleManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BundleManifest>(upload.Manifest, BundleManifest.JsonOptions);
        }
        catch (JsonException e)
        {
            throw SubmissionRefusedException.Invalid($"manifest: {e.Message}");
        }
        if (manifest is null) throw SubmissionRefusedException.Invalid("manifest: is null.");
        CheckListingFields(manifest, faults);
        if (manifest.Featured) warnings.Add("featured: ignored (the archive's editors choose featured specimens).");

        var writeup = await ReadWriteupAsync(upload, manifest.Writeup, faults, ct);
        used.Add(manifest.Writeup);

        // The model: a file in the submission (validated from its header), or a model the archive already holds.
        var existingModel = await db.Models.SingleOrDefaultAsync(m => m.Slug == manifest.Model.Slug, ct);
        ModelCard? card = null;
        upload.Files.TryGetValue(manifest.Model.File, out var modelFile);
        if (modelFile is not null)
        {
            used.Add(manifest.Model.File);
            try
            {
                card = ModelCard.Inspect(modelFile.Path, manifest.Model.Architecture);
            }
            catch (Exception e) when (e is ModelFormatException or InvalidDataException or FormatException or NotSupportedException)
            {
                faults.Add($"model ({manifest.Model.File}): {e.Message}");
            }
            if (existingModel is not null && existingModel.Sha256 != modelFile.Hash.Hex)
                faults.Add($"model.slug: '{manifest.Model.Slug}' is another model in the archive; give yours a new slug, or send no model file to use that one.");
        }
        else if (existingModel is null)
        {
            faults.Add($"model: no file '{manifest.Model.File}' was sent, and the archive has no model '{manifest.Model.Slug}'.");
        }

        var dictionaries = await CheckDictionariesAsync(manifest, upload, existingModel, card, submitter, used, faults, ct);
        var inputs = CheckClaims(manifest, faults);
        var inputFiles = new List<(StagedBlob Staged, string MediaType)>();
        foreach (var input in inputs.DistinctBy(i => i.Sha256))
        {
            var path = $"{input.BundleFolder}/{input.Sha256}";
            if (upload.Files.TryGetValue(path, out var staged))
            {
                used.Add(path);
                if (staged.Hash.Hex != input.Sha256) faults.Add($"{path}: its bytes hash to {staged.Hash.Hex}, not to its name.");
                else inputFiles.Add((staged, input.MediaType));
            }
            else if (!await db.Blobs.AnyAsync(b => b.Sha256 == input.Sha256, ct))
            {
                faults.Add($"A claim names the file {input.Sha256}, which neither the archive nor the submission ({path}) holds.");
            }
        }

        var dictionaryIds = existingModel is null ? new Dictionary<string, int>()
            : await db.FeatureDictionaries.Where(d => d.ModelId == existingModel.Id).ToDictionaryAsync(d => d.Slug, d => d.Id, ct);
        var circuits = new List<Circuit>();
        foreach (var document in manifest.Circuits)
        {
            try
            {
                circuits.Add(CircuitMapping.ToEntity(document, dictionaryIds));
            }
            catch (InvalidDataException e)
            {
                faults.Add($"circuit '{document.Slug}': {e.Message}");
            }
        }

        var specimen = await db.Specimens.Include(s => s.Revisions).SingleOrDefaultAsync(s => s.Slug == manifest.Slug, ct);
        if (specimen is not null && !(specimen.SubmittedById == submitter.Id && specimen.Status is SpecimenStatus.Draft or SpecimenStatus.InReview or SpecimenStatus.Published))
            faults.Add(specimen.SubmittedById == submitter.Id
                ? $"slug: your specimen '{manifest.Slug}' is {specimen.Status}; it takes no new revision."
                : $"slug: '{manifest.Slug}' is taken by another specimen.");
        if (faults.Count > 0) throw new SubmissionRefusedException(StatusCodes.Status400BadRequest, "Invalid submission", faults);
        warnings.AddRange(upload.Files.Keys.Where(p => !used.Contains(p)).Order(StringComparer.Ordinal).Select(p => $"{p}: not named by the manifest; not stored."));

        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var model = existingModel;
        if (modelFile is not null && card is not null)
        {
            await BlobRows.StoreAsync(db, store, modelFile, BlobRows.MediaTypes.Safetensors, ct);
            model ??= db.Models.Add(new Model
            {
                Slug = manifest.Model.Slug, Name = manifest.Model.Name, Architecture = manifest.Model.Architecture, ConfigJson = card.ConfigJson,
                WeightsFileName = Path.GetFileName(manifest.Model.File), Sha256 = modelFile.Hash.Hex, SizeBytes = modelFile.Length,
                Description = manifest.Model.Description, TrainingNotes = manifest.Model.TrainingNotes,
                NLayers = card.NLayers, DModel = card.DModel, NHeads = card.NHeads, DVocab = card.DVocab, NCtx = card.NCtx,
                AttnOnly = card.AttnOnly, ParameterCount = card.ParameterCount, CreatedAt = now,
            }).Entity;
        }
        foreach (var (staged, mediaType) in inputFiles) await BlobRows.StoreAsync(db, store, staged, mediaType, ct);

        var isNew = specimen is null;
        var proposing = specimen is { Status: SpecimenStatus.Published };
        specimen ??= db.Specimens.Add(new Specimen
        {
            Slug = manifest.Slug, Title = manifest.Title, Summary = manifest.Summary, Behaviour = manifest.Behaviour,
            Status = SpecimenStatus.Draft, SubmittedById = submitter.Id, CreatedAt = now,
        }).Entity;
        if (!proposing)
        {
            BundleEntities.Describe(specimen, manifest, model!, writeup!, now);
            if (specimen.Authors.Count == 0) specimen.Authors = [submitter.DisplayName];
        }
        var sourceHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(upload.Manifest + "\n" + writeup + "\n" + model!.Sha256)));
        var revision = BundleEntities.NewRevision(specimen, manifest, writeup!, circuits, $"@{submitter.Handle}", sourceHash, now);
        specimen.Revisions.Add(revision);
        await db.SaveChangesAsync(ct);
        var inputHashes = inputFiles.Select(i => i.Staged.Hash.Hex).ToHashSet();
        foreach (var dictionary in dictionaries)
        {
            // A token set a claim names too is stored once, with the claim inputs above.
            var stored = dictionary.Tokens is { } t && inputHashes.Contains(t.Hash.Hex) ? dictionary with { Tokens = null } : dictionary;
            await DictionaryUploads.StoreCheckedAsync(db, store, stored, model.Id, new DictionaryUploader(submitter.Id, ReplacesAny: false), ct);
        }
        if (proposing)
        {
            // Readers keep the published revision and listing; the proposal waits for review (a rejected one starts over).
            specimen.ProposedRevisionId = revision.Id;
            specimen.ProposalStatus = specimen.ProposalStatus == SpecimenStatus.InReview ? SpecimenStatus.InReview : SpecimenStatus.Draft;
            specimen.ProposedListingJson = ProposedListing.From(manifest, model, writeup!, [submitter.DisplayName]).ToJson();
        }
        else specimen.CurrentRevisionId = revision.Id;
        await db.SaveChangesAsync(ct);

        var claims = new List<SubmittedClaim>();
        foreach (var claim in revision.Claims.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var run = await EvidenceRequests.QueueAsync(db, claim.Id, $"@{submitter.Handle}", EvidencePriority.Person, ct);
            claims.Add(new SubmittedClaim(claim.Key, claim.Id, run.RunId));
        }
        await ClaimStatusRollup.RefreshAsync(db, specimen.Id, ct);
        await transaction.CommitAsync(ct);
        return new SubmissionResult(specimen.Slug, revision.Number, proposing ? specimen.ProposalStatus!.Value : specimen.Status, isNew, claims, warnings, proposing);
    }

    /// <summary>
    /// The SAELens folders the bundle carries (each under its <c>folder</c>), checked by the dictionary upload's own rule
    /// against the specimen's model (the archive's, or the one submitted with it); the worker computes their dashboards
    /// over each one's <c>token_set</c> once the draft is stored.
    /// </summary>
    private async Task<List<CheckedDictionary>> CheckDictionariesAsync(BundleManifest manifest, SubmissionUpload upload, Model? existingModel, ModelCard? card,
        User submitter, HashSet<string> used, List<string> faults, CancellationToken ct)
    {
        var model = existingModel is not null ? new DictionaryModel(existingModel.Slug, existingModel.Architecture, existingModel.ConfigJson, existingModel.NCtx, existingModel.DVocab)
            : card is not null ? new DictionaryModel(manifest.Model.Slug, manifest.Model.Architecture, card.ConfigJson, card.NCtx, card.DVocab)
            : null;
        var result = new List<CheckedDictionary>();
        foreach (var d in manifest.Dictionaries)
        {
            var prefix = (d.Folder ?? "").Trim('/') + "/";
            var folder = upload.Files.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal) && !f.Key[prefix.Length..].Contains('/'))
                .ToDictionary(f => f.Key[prefix.Length..], f => f.Value, StringComparer.Ordinal);
            used.UnionWith(folder.Keys.Select(k => prefix + k));
            if (d.TokenSet is null)
            {
                faults.Add($"dictionary '{d.Slug}': token_set: name the token ids the archive computes its dashboards over (sha256, windows, length; the ids as tokens/{{sha256}}); a submission's dashboards are computed, not taken.");
                continue;
            }
            used.Add(DictionaryUploads.TokensPath(d.TokenSet.Sha256));
            var found = new List<string>();
            var dictionaryManifest = new DictionaryManifest { Slug = d.Slug, Title = d.Title, Description = d.Description, Model = manifest.Model.Slug, TokenSet = d.TokenSet };
            var checkedFolder = await DictionaryUploads.CheckAsync(db, dictionaryManifest, folder, upload.Files, model, new DictionaryUploader(submitter.Id, ReplacesAny: false), found, ct);
            faults.AddRange(found.Select(f => $"dictionary '{d.Slug}': {f}"));
            if (checkedFolder is not null) result.Add(checkedFolder);
        }
        return result;
    }

    private static void CheckListingFields(BundleManifest m, List<string> faults)
    {
        if (m.Slug is null || !SlugPattern().IsMatch(m.Slug)) faults.Add("slug: 2–100 characters: lower-case letters, digits and '-', starting with a letter or digit.");
        if (m.Model?.Slug is null || !SlugPattern().IsMatch(m.Model.Slug)) faults.Add("model.slug: 2–100 characters: lower-case letters, digits and '-'.");
        Length(m.Title, "title", 300);
        Length(m.Summary, "summary", 2000);
        Length(m.Behaviour, "behaviour", 300);
        Length(m.RevisionMessage, "revision_message", 2000);
        Length(m.Model?.Name, "model.name", 300);
        if (m.Tags.Count > 30 || m.Tags.Any(t => !SlugPattern().IsMatch(t))) faults.Add("tags: at most 30, each like a slug ('induction', 'toy-model').");
        if (m.Techniques.Count > 30 || m.Techniques.Any(t => !SlugPattern().IsMatch(t))) faults.Add("techniques: at most 30, each like a slug ('ablation').");
        if (m.Authors.Count > 100 || m.Authors.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > 200)) faults.Add("authors: at most 100 names of 1–200 characters.");
        if (m.Claims.Select(c => c.Key).Distinct(StringComparer.Ordinal).Count() != m.Claims.Count) faults.Add("claims: two claims share a key.");

        void Length(string? value, string field, int max)
        {
            if (string.IsNullOrWhiteSpace(value) || value.Length > max) faults.Add($"{field}: 1–{max} characters.");
        }
    }

    /// <summary>Each claim read by the rule the worker uses; returns the files the valid ones name.</summary>
    private static List<ClaimInputFile> CheckClaims(BundleManifest manifest, List<string> faults)
    {
        var inputs = BundleClaims.Parse(manifest.Claims, faults).SelectMany(c => ClaimInputFiles.Named(c.Definition.Parameters)).ToList();
        foreach (var claim in manifest.Claims)
        {
            if (string.IsNullOrWhiteSpace(claim.Statement) || claim.Statement.Length > 1000) faults.Add($"claim '{claim.Key}': statement: 1–1000 characters.");
            if (!double.IsFinite(claim.Expected) || !double.IsFinite(claim.Tolerance) || claim.Tolerance < 0)
                faults.Add($"claim '{claim.Key}': expected and tolerance must be finite numbers, the tolerance not negative.");
        }
        return inputs;
    }

    private static async Task<string?> ReadWriteupAsync(SubmissionUpload upload, string path, List<string> faults, CancellationToken ct)
    {
        if (!upload.Files.TryGetValue(path, out var file))
        {
            faults.Add($"writeup: no file '{path}' was sent.");
            return null;
        }
        if (file.Length > MaxWriteupBytes)
        {
            faults.Add($"writeup: {file.Length:N0} bytes; the limit is {MaxWriteupBytes:N0}. Put data in files, not in the writeup.");
            return null;
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(await File.ReadAllBytesAsync(file.Path, ct));
        }
        catch (DecoderFallbackException)
        {
            faults.Add("writeup: is not UTF-8.");
            return null;
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,99}$")]
    private static partial Regex SlugPattern();
}
