using System.Text.Json;
using Archive.Data.Bundles;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Dictionaries;
using Archive.Data.Models;
using Archive.Engine.Saes;
using Archive.Formats.Dictionaries;
using Archive.Formats.Models;
using Archive.Formats.SaeLens;
using Microsoft.EntityFrameworkCore;

namespace Archive.Specimens.Import;

/// <summary>A bundle's dictionary, read and validated, ready to stage and store.</summary>
public sealed record DictionaryImport(
    BundleDictionary Manifest,
    SaeLensConfig Config,
    string WeightsPath,
    string? SparsityPath,
    FeatureDashboardFile Dashboards);

/// <summary>A dictionary whose files are hashed into staging: what <see cref="DictionaryImporter.StoreAsync"/> stores.</summary>
public sealed record StagedDictionary(DictionaryImport Import, StagedBlob Weights, StagedBlob? Sparsity) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Weights.DisposeAsync();
        if (Sparsity is not null) await Sparsity.DisposeAsync();
    }
}

/// <summary>
/// Imports a bundle's SAELens dictionaries in two steps, like the rest of a bundle: <see cref="Read"/> validates the
/// folder (cfg.json, every safetensors header and tensor shape, via <see cref="SaeLensFolder"/>) and features.json before
/// any row is written, and <see cref="StageAsync"/> hashes its files into the blob store's staging; <see cref="StoreAsync"/>
/// then stores the files as blobs, upserts the dictionary by slug, and replaces all of its features when the weights'
/// sha256 or the dashboards' token set changed (otherwise only the explanations are updated).
/// </summary>
public static class DictionaryImporter
{
    public static DictionaryImport Read(string bundleFolder, BundleDictionary dictionary)
    {
        var folder = Path.GetFullPath(Path.Combine(bundleFolder, dictionary.Folder));
        if (!folder.StartsWith(Path.GetFullPath(bundleFolder), StringComparison.Ordinal))
            throw new InvalidDataException($"Dictionary '{dictionary.Slug}': folder '{dictionary.Folder}' lies outside the bundle.");
        SaeLensConfig config;
        using (var loaded = SaeLensFolder.Load(folder)) config = loaded.Sae.cfg;
        if (config.hook_name is null) throw new InvalidDataException($"Dictionary '{dictionary.Slug}': cfg.json names no hook_name.");
        var sparsityPath = Path.Combine(folder, SaeLensFolder.SparsityFileName);

        var featuresPath = Path.Combine(bundleFolder, dictionary.Features
            ?? throw new InvalidDataException($"Dictionary '{dictionary.Slug}': a bundle the operator imports carries its dashboards ('features')."));
        var dashboards = JsonSerializer.Deserialize<FeatureDashboardFile>(File.ReadAllText(featuresPath), FeatureDashboardFile.JsonOptions)
            ?? throw new InvalidDataException($"Dictionary '{dictionary.Slug}': {dictionary.Features} is null.");
        if (dashboards.DSae != config.d_sae)
            throw new InvalidDataException($"Dictionary '{dictionary.Slug}': {dictionary.Features} has d_sae {dashboards.DSae}; cfg.json has {config.d_sae}.");
        if (dashboards.HookName != config.hook_name)
            throw new InvalidDataException($"Dictionary '{dictionary.Slug}': {dictionary.Features} is for hook {dashboards.HookName}; cfg.json reads {config.hook_name}.");
        var bins = dashboards.HistogramEdges.Length - 1;
        var seen = new HashSet<int>();
        foreach (var f in dashboards.Features)
        {
            if (f.Index < 0 || f.Index >= config.d_sae) throw new InvalidDataException($"Dictionary '{dictionary.Slug}': feature index {f.Index} is outside [0, {config.d_sae}).");
            if (!seen.Add(f.Index)) throw new InvalidDataException($"Dictionary '{dictionary.Slug}': feature {f.Index} appears twice.");
            if (f.HistogramCounts.Length != bins) throw new InvalidDataException($"Dictionary '{dictionary.Slug}': feature {f.Index} has {f.HistogramCounts.Length} histogram counts for {bins} bins.");
            foreach (var c in f.TopContexts)
            {
                if (c.Tokens.Count != c.Activations.Count || c.MaxIndex < 0 || c.MaxIndex >= c.Tokens.Count)
                    throw new InvalidDataException($"Dictionary '{dictionary.Slug}': a top context of feature {f.Index} has mismatched tokens, activations or max index.");
            }
        }
        return new DictionaryImport(dictionary, config, Path.Combine(folder, SaeLensFolder.WeightsFileName),
            File.Exists(sparsityPath) ? sparsityPath : null, dashboards);
    }

    public static async Task<StagedDictionary> StageAsync(IBlobStore store, DictionaryImport import, CancellationToken ct)
    {
        StagedBlob weights;
        await using (var file = File.OpenRead(import.WeightsPath)) weights = await store.StageAsync(file, null, ct);
        if (import.SparsityPath is null) return new StagedDictionary(import, weights, null);
        try
        {
            await using var file = File.OpenRead(import.SparsityPath);
            return new StagedDictionary(import, weights, await store.StageAsync(file, null, ct));
        }
        catch
        {
            await weights.DisposeAsync();
            throw;
        }
    }

    /// <summary>Inside the bundle's transaction: the files become blobs, then the rows that refer to them are written.</summary>
    public static async Task StoreAsync(ArchiveDbContext db, IBlobStore store, Model model, StagedDictionary staged, CancellationToken ct)
    {
        var import = staged.Import;
        var manifest = import.Manifest;
        var weights = await BlobRows.StoreAsync(db, store, staged.Weights, BlobRows.MediaTypes.Safetensors, ct);
        var sparsity = staged.Sparsity is null ? null : await BlobRows.StoreAsync(db, store, staged.Sparsity, BlobRows.MediaTypes.Safetensors, ct);
        // The upload's rule for the hook point and its width (SaeHookPoints), not a looser one of the importer's own.
        if (SaeHookPoints.Check(import.Config, HookedTransformerConfig.FromJson(model.ConfigJson)) is { } hookFault)
            throw new InvalidDataException($"Dictionary '{manifest.Slug}' on model '{model.Slug}': {hookFault}");
        var tokenSet = import.Dashboards.TokenSet;
        var tokenSetDescription = string.IsNullOrWhiteSpace(manifest.TokenSetDescription)
            ? $"{tokenSet.SequenceCount} × {tokenSet.SequenceLength} tokens: {tokenSet.Generator} (sha256 {tokenSet.Sha256})"
            : manifest.TokenSetDescription;

        var dictionary = await db.FeatureDictionaries.SingleOrDefaultAsync(d => d.Slug == manifest.Slug, ct);
        var isNew = dictionary is null;
        if (dictionary is null)
        {
            dictionary = DictionaryRows.New(manifest.Slug, import.Config, weights, DateTimeOffset.UtcNow, submittedById: null);
            db.FeatureDictionaries.Add(dictionary);
        }
        var weightsChanged = !isNew && dictionary.Sha256 != weights.Hash.Hex;
        var replace = isNew || dictionary.Sha256 != weights.Hash.Hex || dictionary.TokenSetDescription != tokenSetDescription || dictionary.ModelId != model.Id;
        DictionaryRows.Describe(dictionary, manifest.Title, manifest.Description, import.Config, weights, sparsity, tokenSetDescription);
        dictionary.Model = model;
        await db.SaveChangesAsync(ct);

        if (!replace)
        {
            // Same weights, same token set: the statistics are the same; explanations may have been rewritten.
            foreach (var f in import.Dashboards.Features)
            {
                await db.Features.Where(x => x.FeatureDictionaryId == dictionary.Id && x.Index == f.Index && x.Explanation != f.Explanation)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Explanation, f.Explanation), ct);
            }
            return;
        }

        if (weightsChanged) await FeatureRows.MarkEvidenceStaleAsync(db, manifest.Slug, ct);
        await FeatureRows.ReplaceAsync(db, dictionary.Id, import.Dashboards, ct);
    }
}
