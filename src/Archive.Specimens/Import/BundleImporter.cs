using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Engine.Safetensors;
using Archive.Specimens.Build;
using Archive.Engine.Evidence;
using Archive.Formats.Claims;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Data.Models;
using Archive.Data.Specimens;
using Archive.Formats.Models;
using Microsoft.EntityFrameworkCore;

namespace Archive.Specimens.Import;

/// <summary>
/// Imports specimen bundles: validates the model file before anything is stored, stores the files in the blob store
/// (streamed, hashed, once per content), upserts the model, adds a revision only when the bundle's content changed, and
/// queues an evidence run for each claim of a new revision so the archive's verdicts are computed, never typed in. One
/// transaction per bundle: a bad bundle leaves no row behind, and at most unreferenced blobs that <c>blobs gc</c> removes.
/// </summary>
public sealed partial class BundleImporter(ArchiveDbContext db, IBlobStore store, ILogger<BundleImporter> logger)
{
    public async Task<int> ImportFolderAsync(string folder, CancellationToken ct)
    {
        if (!Directory.Exists(folder))
        {
            logger.LogError("No bundle folder at {Folder}.", Path.GetFullPath(folder));
            return 1;
        }
        var failures = 0;
        foreach (var bundle in Directory.GetDirectories(folder).Where(d => File.Exists(Path.Combine(d, "specimen.json"))).Order(StringComparer.Ordinal))
        {
            try
            {
                var outcome = await ImportAsync(bundle, ct);
                logger.LogInformation("Bundle {Bundle}: {Outcome}", Path.GetFileName(bundle), outcome);
            }
            catch (Exception ex) when (ex is FormatException or InvalidDataException or JsonException or IOException or DbUpdateException)
            {
                failures++;
                logger.LogError("Bundle {Bundle} was not imported: {Reason}", Path.GetFileName(bundle), ex.Message);
                db.ChangeTracker.Clear();
            }
        }
        return failures == 0 ? 0 : 1;
    }

    public async Task<string> ImportAsync(string bundle, CancellationToken ct)
    {
        var manifestText = await File.ReadAllTextAsync(Path.Combine(bundle, "specimen.json"), ct);
        var manifest = JsonSerializer.Deserialize<BundleManifest>(manifestText, BundleManifest.JsonOptions)
            ?? throw new InvalidDataException("specimen.json is null.");
        var writeup = await File.ReadAllTextAsync(Path.Combine(bundle, manifest.Writeup), ct);

        // Everything that can be wrong with the claims and the files is found before the first row is written.
        var definitions = ParseClaims(manifest);
        var modelPath = Path.Combine(bundle, manifest.Model.File);
        var card = ModelCard.Inspect(modelPath, manifest.Model.Architecture);
        var circuits = manifest.Circuits.Select(c => CircuitMapping.ToEntity(c, new Dictionary<string, int>())).ToList();
        var dictionaryImports = manifest.Dictionaries.Select(d => DictionaryImporter.Read(bundle, d)).ToList();

        // The files are hashed into the store's staging area outside the transaction (they can be large); staged files
        // that are not committed are removed when this method leaves, whatever happens.
        await using var staged = new StagedBundleFiles();
        await using (var file = File.OpenRead(modelPath)) staged.Model = await store.StageAsync(file, null, ct);
        foreach (var import in dictionaryImports) staged.Dictionaries.Add(await DictionaryImporter.StageAsync(store, import, ct));
        await StageTokenSetsAsync(definitions, modelPath, staged.TokenSets, ct);
        await StageImageSetsAsync(bundle, definitions, staged.Images, ct);
        var stagedModel = staged.Model;
        var dictionaries = staged.Dictionaries;
        var modelSha = stagedModel.Hash.Hex;
        var atlas = manifest.Model.Units is { } unitsFile ? await ModelUnitAtlas.ReadAsync(Path.Combine(bundle, unitsFile), manifest.Model.Architecture, card, modelSha, ct) : null;
        // The SAE weights are part of the content: a retrained dictionary makes a new revision and re-runs the claims.
        var sourceHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            manifestText + "\n" + writeup + "\n" + modelSha + string.Concat(dictionaries.Select(d => "\n" + d.Weights.Hash.Hex)))));

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var storedModel = await BlobRows.StoreAsync(db, store, stagedModel, BlobRows.MediaTypes.Safetensors, ct);
        foreach (var tokens in staged.TokenSets) await BlobRows.StoreAsync(db, store, tokens, TokenSetFile.MediaType, ct);
        foreach (var (images, mediaType) in staged.Images) await BlobRows.StoreAsync(db, store, images, mediaType, ct);
        var model = await db.Models.SingleOrDefaultAsync(m => m.Slug == manifest.Model.Slug, ct);
        if (model is null)
        {
            model = new Model
            {
                Slug = manifest.Model.Slug, Name = manifest.Model.Name, Architecture = manifest.Model.Architecture, ConfigJson = card.ConfigJson,
                WeightsFileName = Path.GetFileName(modelPath), Sha256 = modelSha, CreatedAt = DateTimeOffset.UtcNow,
            };
            db.Models.Add(model);
        }
        model.Name = manifest.Model.Name;
        model.Architecture = manifest.Model.Architecture;
        model.Description = manifest.Model.Description;
        model.TrainingNotes = manifest.Model.TrainingNotes;
        model.ConfigJson = card.ConfigJson;
        model.NLayers = card.NLayers;
        model.DModel = card.DModel;
        model.NHeads = card.NHeads;
        model.DVocab = card.DVocab;
        model.NCtx = card.NCtx;
        model.AttnOnly = card.AttnOnly;
        model.ParameterCount = card.ParameterCount;
        model.WeightsFileName = Path.GetFileName(modelPath);
        model.SizeBytes = storedModel.Length;
        var weightsChanged = model.Sha256 != modelSha || model.Id == 0;
        model.Sha256 = modelSha;
        await db.SaveChangesAsync(ct);
        if (weightsChanged)
        {
            // Evidence computed on the old weights no longer describes this model: stale until its claims are re-run.
            var modelId = model.Id;
            await db.EvidenceRuns.Where(r => r.Claim.Revision.Specimen.ModelId == modelId && r.Status == EvidenceStatus.Succeeded)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.Stale, true), ct);
        }
        if (atlas is not null) await ModelUnitAtlas.StoreAsync(db, model, atlas, ct);
        foreach (var dictionary in dictionaries) await DictionaryImporter.StoreAsync(db, store, model, dictionary, ct);

        var specimen = await db.Specimens.Include(s => s.Revisions).SingleOrDefaultAsync(s => s.Slug == manifest.Slug, ct);
        var now = DateTimeOffset.UtcNow;
        if (specimen is null)
        {
            specimen = new Specimen
            {
                Slug = manifest.Slug, Title = manifest.Title, Summary = manifest.Summary, Behaviour = manifest.Behaviour,
                Status = SpecimenStatus.Published, CreatedAt = now, PublishedAt = now,
            };
            db.Specimens.Add(specimen);
        }
        else if (specimen.Revisions.MaxBy(r => r.Number)?.SourceHash == sourceHash)
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return weightsChanged ? "model weights updated; specimen unchanged" : "unchanged";
        }

        BundleEntities.Describe(specimen, manifest, model, writeup, now);
        specimen.Featured = manifest.Featured;
        var revision = BundleEntities.NewRevision(specimen, manifest, writeup, circuits, "archive-specimens import", sourceHash, now);
        specimen.Revisions.Add(revision);
        await db.SaveChangesAsync(ct);
        specimen.CurrentRevisionId = revision.Id;
        await db.SaveChangesAsync(ct);
        foreach (var claim in revision.Claims) await EvidenceRequests.QueueAsync(db, claim.Id, "import", EvidencePriority.Bulk, ct);
        await ClaimStatusRollup.RefreshAsync(db, specimen.Id, ct);
        await transaction.CommitAsync(ct);
        return $"revision {revision.Number} with {revision.Claims.Count} claim(s) queued for evidence";
    }

    /// <summary>A bundle's staged files, removed on the way out unless committed to the store.</summary>
    private sealed class StagedBundleFiles : IAsyncDisposable
    {
        public StagedBlob Model { get; set; } = null!;

        public List<StagedDictionary> Dictionaries { get; } = [];

        public List<StagedBlob> TokenSets { get; } = [];

        public List<(StagedBlob Blob, string MediaType)> Images { get; } = [];

        public async ValueTask DisposeAsync()
        {
            if (Model is not null) await Model.DisposeAsync();
            foreach (var dictionary in Dictionaries) await dictionary.DisposeAsync();
            foreach (var tokens in TokenSets) await tokens.DisposeAsync();
            foreach (var (images, _) in Images) await images.DisposeAsync();
        }
    }

    /// <summary>
    /// The token sets the bundle's claims name (by the sha256 of their ids) become blobs, so the worker reads them from the
    /// store and needs no corpus. A set the archive does not hold yet is rebuilt here from its recipe (the importer runs
    /// beside the repository, where the corpus can be fetched) and must hash to the name the claim gives it.
    /// </summary>
    private async Task StageTokenSetsAsync(IReadOnlyList<(string Key, ClaimDefinition Definition)> claims, string modelPath, List<StagedBlob> staged, CancellationToken ct)
    {
        var sets = claims.Where(c => c.Definition.Parameters is SaeFeatureParameters)
            .Select(c => (c.Key, Set: c.Definition.ParametersAs<SaeFeatureParameters>().TokenSet))
            .ToList();
        RestrictedVocabulary? vocabulary = null;
        foreach (var (key, set) in sets.DistinctBy(s => s.Set.Sha256))
        {
            if (set.Sha256 is null || !ContentHash.TryParse(set.Sha256, out var hash))
                throw new InvalidDataException($"Claim '{key}': token_set names no sha256 (the ids' hash, which is the blob's name).");
            if (await db.Blobs.AnyAsync(b => b.Sha256 == hash.Hex, ct) && await store.StatAsync(hash, ct) is not null) continue;
            vocabulary ??= SafetensorsFile.ReadHeader(modelPath).Metadata.TryGetValue("vocab", out var vocab)
                ? RestrictedVocabulary.FromJson(vocab)
                : throw new InvalidDataException("The model file has no __metadata__['vocab'] to rebuild the claims' token sets with.");
            var tokens = new CorpusTokenSetSource().Get(set, vocabulary);
            staged.Add(await store.StageAsync(new MemoryStream(TokenSetFile.Write(tokens)), new BlobStageOptions { ExpectedHash = hash }, ct));
            logger.LogInformation("Token set {Sha256} ({Windows} × {Length}) rebuilt for the archive's blob store.", hash.Hex[..12], set.Windows, set.Length);
        }
    }

    /// <summary>
    /// The image and label files the claims name (stimuli, evaluation digits) become blobs. They are content, not
    /// recipes: the bundle carries each one as <c>images/{sha256}</c>, and staging checks that the bytes hash to that name.
    /// A file the archive already holds is not needed in the bundle.
    /// </summary>
    private async Task StageImageSetsAsync(string bundle, IReadOnlyList<(string Key, ClaimDefinition Definition)> claims, List<(StagedBlob, string)> staged, CancellationToken ct)
    {
        var named = claims.SelectMany(c => ClaimInputFiles.Named(c.Definition.Parameters)
            .Where(f => f.BundleFolder == ClaimInputFiles.ImagesFolder).Select(f => (c.Key, f.Sha256, f.MediaType)));
        foreach (var (key, sha, mediaType) in named.DistinctBy(n => n.Item2))
        {
            var hash = ContentHash.Parse(sha);
            if (await db.Blobs.AnyAsync(b => b.Sha256 == hash.Hex, ct) && await store.StatAsync(hash, ct) is not null) continue;
            var path = Path.Combine(bundle, BundleManifest.ImagesFolder, hash.Hex);
            if (!File.Exists(path)) throw new InvalidDataException($"Claim '{key}' names images {hash.Hex[..12]}…, which neither the archive nor the bundle ({BundleManifest.ImagesFolder}/{hash.Hex}) holds.");
            await using var file = File.OpenRead(path);
            staged.Add((await store.StageAsync(file, new BlobStageOptions { ExpectedHash = hash }, ct), mediaType));
        }
    }

    /// <summary>Every claim read by the method rules the worker uses; one message lists every fault of every claim.</summary>
    private static List<(string Key, ClaimDefinition Definition)> ParseClaims(BundleManifest manifest)
    {
        var faults = new List<string>();
        var parsed = BundleClaims.Parse(manifest.Claims, faults);
        return faults.Count == 0 ? parsed : throw new InvalidDataException(string.Join(" | ", faults));
    }
}
