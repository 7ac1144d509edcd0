using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archive.Data.Blobs;
using Archive.Formats.Claims;
using Archive.Formats.Models;
using Archive.Formats.SaeLens;
using Archive.Formats.Safetensors;
using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Dictionaries;

/// <summary>Who uploads: an account (null for the operator's CLI, which acts for the archive) and whether they may replace anyone's dictionary.</summary>
public sealed record DictionaryUploader(int? UserId, bool ReplacesAny)
{
    public static readonly DictionaryUploader Operator = new(null, true);
}

/// <summary>What a stored upload became: the dictionary, and its dashboards queued for the worker.</summary>
public sealed record DictionaryUploadResult(string Slug, bool Replaced, IReadOnlyList<string> Warnings);

/// <summary>The shape of the model a dictionary reads, as the checks need it: a model row's, or a submitted model's not stored yet.</summary>
public sealed record DictionaryModel(string Slug, string Architecture, string ConfigJson, int NCtx, int DVocab);

/// <summary>An upload that passed every check of <see cref="DictionaryUploads.CheckAsync"/>: what <see cref="DictionaryUploads.StoreCheckedAsync"/> stores.</summary>
public sealed record CheckedDictionary(DictionaryManifest Manifest, SaeLensConfig Config, StagedBlob Weights, StagedBlob? Sparsity, StagedBlob? Tokens, FeatureDictionary? Existing);

/// <summary>An upload that breaks a rule; every fault found is listed, and nothing was stored.</summary>
public sealed class DictionaryUploadRefusedException(IReadOnlyList<string> faults)
    : Exception(faults.Count == 1 ? faults[0] : $"{faults.Count} faults: {string.Join(" ", faults)}")
{
    public IReadOnlyList<string> Faults { get; } = faults;
}

/// <summary>
/// Any SAELens folder (cfg.json from either SAELens line, sae_weights.safetensors, optionally sparsity.safetensors) as
/// a dictionary of the archive, in one step: every file is checked against cfg.json and cfg.json against the model
/// (hook point, width) before anything is stored; then, in one transaction, the files become blobs, the dictionary row
/// is written and its dashboards are queued for the worker (<see cref="DashboardJob"/>), which computes them from the
/// model over the named token set. The site's <c>POST /api/v1/dictionaries</c> and the CLI's <c>import-saelens</c> both
/// come here. Re-uploading a slug replaces that dictionary (its uploader's, or any for the operator).
/// </summary>
public static partial class DictionaryUploads
{
    public const int MaxConfigBytes = 1 << 20;
    /// <summary>Dashboards store a row per feature (with its top contexts); past this a dictionary is not a page-able library.</summary>
    public const int MaxFeatures = 131_072;
    /// <summary>Tokens a dashboard computation runs the model over (a quarter of a million is what Neuronpedia-style dashboards use per feature at this scale).</summary>
    public const int MaxTokens = 262_144;
    /// <summary>The activations at the hook are held whole (tokens × d_in float32): at most 512 MB.</summary>
    public const long MaxActivationValues = 1L << 27;

    public static string TokensPath(string sha256) => $"{ClaimInputFiles.TokensFolder}/{sha256}";

    public static async Task<DictionaryUploadResult> StoreAsync(ArchiveDbContext db, IBlobStore store, string manifestJson,
        IReadOnlyDictionary<string, StagedBlob> files, DictionaryUploader uploader, CancellationToken ct)
    {
        DictionaryManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<DictionaryManifest>(manifestJson, DictionaryManifest.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DictionaryUploadRefusedException([$"manifest: {e.Message}"]);
        }
        if (manifest is null) throw new DictionaryUploadRefusedException(["manifest: is null."]);

        var faults = new List<string>();
        var model = await db.Models.AsNoTracking().SingleOrDefaultAsync(m => m.Slug == manifest.Model, ct);
        if (model is null) faults.Add($"model: the archive has no model '{manifest.Model}'.");
        var checkedUpload = await CheckAsync(db, manifest, files, files,
            model is null ? null : new DictionaryModel(model.Slug, model.Architecture, model.ConfigJson, model.NCtx, model.DVocab), uploader, faults, ct);
        if (faults.Count > 0 || checkedUpload is null) throw new DictionaryUploadRefusedException(faults);

        var known = new HashSet<string>(StringComparer.Ordinal) { SaeLensFileNames.Config, SaeLensFileNames.Weights, SaeLensFileNames.Sparsity, TokensPath(manifest.TokenSet.Sha256) };
        var warnings = files.Keys.Where(p => !known.Contains(p)).Order(StringComparer.Ordinal).Select(p => $"{p}: not part of a SAELens folder; not stored.").ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await StoreCheckedAsync(db, store, checkedUpload, model!.Id, uploader, ct);
        await transaction.CommitAsync(ct);
        return new DictionaryUploadResult(manifest.Slug, checkedUpload.Existing is not null, warnings);
    }

    /// <summary>
    /// Every check of an upload, adding its faults to <paramref name="faults"/>; the checked upload when there were none.
    /// A specimen submission checks the dictionaries it carries here too, against the model it brings.
    /// </summary>
    /// <param name="folder">The SAELens folder's files by file name (cfg.json, sae_weights.safetensors, sparsity.safetensors).</param>
    /// <param name="files">Every file of the upload, where <c>tokens/{sha256}</c> is looked for.</param>
    /// <param name="model">The model the SAE reads; null when there is none (a fault already says so).</param>
    public static async Task<CheckedDictionary?> CheckAsync(ArchiveDbContext db, DictionaryManifest manifest, IReadOnlyDictionary<string, StagedBlob> folder,
        IReadOnlyDictionary<string, StagedBlob> files, DictionaryModel? model, DictionaryUploader uploader, List<string> faults, CancellationToken ct)
    {
        var before = faults.Count;
        if (!SlugPattern().IsMatch(manifest.Slug)) faults.Add("slug: 2–100 characters: lower-case letters, digits and '-', starting with a letter or digit.");
        else if (manifest.Slug == "new") faults.Add("slug: 'new' is the upload page's address (/dictionaries/new); choose another.");
        if (string.IsNullOrWhiteSpace(manifest.Title) || manifest.Title.Length > 300) faults.Add("title: 1–300 characters.");
        if (manifest.Description.Length > 5000) faults.Add("description: at most 5,000 characters.");

        HookedTransformerConfig? modelConfig = null;
        if (model is not null && !ModelArchitectures.IsTransformer(model.Architecture)) faults.Add($"model: '{model.Slug}' is a {model.Architecture}; dictionaries read transformer hook points.");
        else if (model is not null) modelConfig = HookedTransformerConfig.FromJson(model.ConfigJson);

        var cfg = await InspectFolderAsync(folder, faults, ct);
        if (cfg is not null && modelConfig is not null && SaeHookPoints.Check(cfg, modelConfig) is { } hookFault) faults.Add(hookFault);
        if (cfg is not null && cfg.d_sae > MaxFeatures) faults.Add($"cfg.json: d_sae is {cfg.d_sae:N0}; the archive takes dictionaries of at most {MaxFeatures:N0} features.");

        var tokens = manifest.TokenSet;
        StagedBlob? tokenFile = null;
        if (tokens is null) faults.Add("token_set: name the token ids to compute dashboards over (sha256, windows, length).");
        else if (model is not null) tokenFile = await CheckTokenSetAsync(db, tokens, model.NCtx, model.DVocab, cfg?.d_in ?? 0, files, faults, ct);

        var existing = await db.FeatureDictionaries.Include(d => d.DashboardJob).SingleOrDefaultAsync(d => d.Slug == manifest.Slug, ct);
        if (existing is not null && !uploader.ReplacesAny && existing.SubmittedById != uploader.UserId)
            faults.Add($"slug: '{manifest.Slug}' is another dictionary in the archive; choose a new slug.");
        if (faults.Count > before || cfg is null) return null;
        return new CheckedDictionary(manifest, cfg, folder[SaeLensFileNames.Weights], folder.GetValueOrDefault(SaeLensFileNames.Sparsity), tokenFile, existing);
    }

    /// <summary>
    /// Inside the caller's transaction: the files become blobs, the dictionary row is written (replacing its features and
    /// marking evidence of older weights stale), and its dashboards are queued for the worker (NOTIFY at commit).
    /// </summary>
    public static async Task StoreCheckedAsync(ArchiveDbContext db, IBlobStore store, CheckedDictionary upload, int modelId, DictionaryUploader uploader, CancellationToken ct)
    {
        var (manifest, cfg, existing, tokens) = (upload.Manifest, upload.Config, upload.Existing, upload.Manifest.TokenSet);
        var weights = await BlobRows.StoreAsync(db, store, upload.Weights, BlobRows.MediaTypes.Safetensors, ct);
        var sparsity = upload.Sparsity is { } s ? await BlobRows.StoreAsync(db, store, s, BlobRows.MediaTypes.Safetensors, ct) : null;
        if (upload.Tokens is not null) await BlobRows.StoreAsync(db, store, upload.Tokens, ClaimInputFiles.TokenIdsMediaType, ct);

        var now = DateTimeOffset.UtcNow;
        var dictionary = existing ?? db.FeatureDictionaries.Add(DictionaryRows.New(manifest.Slug, cfg, weights, now, uploader.UserId)).Entity;
        if (existing is not null && existing.Sha256 != weights.Hash.Hex) await FeatureRows.MarkEvidenceStaleAsync(db, manifest.Slug, ct);
        DictionaryRows.Describe(dictionary, manifest.Title, manifest.Description, cfg, weights, sparsity, DescribeTokenSet(tokens));
        dictionary.ModelId = modelId;
        var job = dictionary.DashboardJob ??= new DashboardJob { TokenSetSha256 = tokens.Sha256 };
        job.TokenSetSha256 = tokens.Sha256;
        job.TokenWindows = tokens.Windows;
        job.TokenLength = tokens.Length;
        job.Status = DashboardStatus.Queued;
        job.Step = 0;
        job.Error = null;
        job.Attempts = 0;
        job.LeasedBy = null;
        job.LeaseExpiresAt = null;
        job.QueuedAt = now;
        job.StartedAt = null;
        job.FinishedAt = null;
        await db.SaveChangesAsync(ct);
        // The old dashboards describe other weights or tokens: the pages say "computing" until the worker is done.
        if (existing is not null) await db.Features.Where(f => f.FeatureDictionaryId == dictionary.Id).ExecuteDeleteAsync(ct);
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({DashboardChannels.Requested}, {dictionary.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)})", ct);
    }

    /// <summary>How a dictionary's page names its dashboards' token set.</summary>
    public static string DescribeTokenSet(DictionaryTokenSet tokens) =>
        (string.IsNullOrWhiteSpace(tokens.Description) ? "" : tokens.Description.Trim() + ": ")
        + $"{tokens.Windows:N0} × {tokens.Length} tokens (sha256 {tokens.Sha256})";

    private static async Task<SaeLensConfig?> InspectFolderAsync(IReadOnlyDictionary<string, StagedBlob> files, List<string> faults, CancellationToken ct)
    {
        if (!files.TryGetValue(SaeLensFileNames.Config, out var config)) faults.Add($"{SaeLensFileNames.Config}: missing (send the SAELens folder's files, each named by its file name).");
        if (!files.TryGetValue(SaeLensFileNames.Weights, out var weights)) faults.Add($"{SaeLensFileNames.Weights}: missing.");
        if (config is null || weights is null) return null;
        if (config.Length > MaxConfigBytes)
        {
            faults.Add($"{SaeLensFileNames.Config}: {config.Length:N0} bytes; a cfg.json is a few hundred.");
            return null;
        }
        try
        {
            var json = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(await File.ReadAllBytesAsync(config.Path, ct));
            files.TryGetValue(SaeLensFileNames.Sparsity, out var sparsity);
            return SaeLensFiles.Inspect(json, weights.Path, sparsity?.Path); // FromJson validates cfg.json
        }
        catch (DecoderFallbackException)
        {
            faults.Add($"{SaeLensFileNames.Config}: is not UTF-8.");
        }
        catch (Exception e) when (e is InvalidDataException or SafetensorsFormatException)
        {
            faults.Add(e.Message);
        }
        return null;
    }

    /// <summary>Checks the token set's shape against the model, then its file: the uploaded one (returned for storing) or the archive's.</summary>
    private static async Task<StagedBlob?> CheckTokenSetAsync(ArchiveDbContext db, DictionaryTokenSet tokens, int nCtx, int dVocab, int dIn,
        IReadOnlyDictionary<string, StagedBlob> files, List<string> faults, CancellationToken ct)
    {
        if (!ContentHash.TryParse(tokens.Sha256, out _))
        {
            faults.Add("token_set.sha256: 64 lower-case hex digits (the sha256 of the ids' bytes).");
            return null;
        }
        if (tokens.Windows < 1 || tokens.Length < 1 || tokens.Length > nCtx)
        {
            faults.Add($"token_set: windows ≥ 1 and 1 ≤ length ≤ {nCtx} (the model's n_ctx).");
            return null;
        }
        var count = (long)tokens.Windows * tokens.Length;
        if (count > MaxTokens) faults.Add($"token_set: {count:N0} tokens; dashboards are computed over at most {MaxTokens:N0}.");
        else if (count * dIn > MaxActivationValues) faults.Add($"token_set: {count:N0} tokens × d_in {dIn} activations exceed {MaxActivationValues:N0} values.");
        var bytes = count * 4;

        if (files.TryGetValue(TokensPath(tokens.Sha256), out var file))
        {
            if (file.Hash.Hex != tokens.Sha256) faults.Add($"{TokensPath(tokens.Sha256)}: its bytes hash to {file.Hash.Hex}, not to its name.");
            else if (file.Length != bytes) faults.Add($"{TokensPath(tokens.Sha256)}: {file.Length:N0} bytes; {tokens.Windows} × {tokens.Length} int32 ids are {bytes:N0}.");
            else if (await FirstIdOutsideAsync(file.Path, dVocab, ct) is { } bad) faults.Add($"{TokensPath(tokens.Sha256)}: id {bad} is outside the model's vocabulary [0, {dVocab}).");
            else return file;
            return null;
        }
        var stored = await db.Blobs.AsNoTracking().Where(b => b.Sha256 == tokens.Sha256).Select(b => (long?)b.SizeBytes).SingleOrDefaultAsync(ct);
        if (stored is null) faults.Add($"token_set: the archive holds no file {tokens.Sha256}; send the ids as the part '{TokensPath(tokens.Sha256)}'.");
        else if (stored != bytes) faults.Add($"token_set: the archive's file {tokens.Sha256} has {stored:N0} bytes; {tokens.Windows} × {tokens.Length} int32 ids are {bytes:N0}.");
        return null;
    }

    private static async Task<int?> FirstIdOutsideAsync(string path, int dVocab, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct)) > 0)
        {
            for (var at = 0; at + 4 <= read; at += 4)
            {
                var id = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(at));
                if (id < 0 || id >= dVocab) return id;
            }
        }
        return null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,99}$")]
    private static partial Regex SlugPattern();
}
