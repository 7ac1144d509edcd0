using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Dictionaries;
using Archive.Engine;
using Archive.Engine.Evidence;
using Archive.Engine.Safetensors;
using Archive.Engine.Saes;
using Archive.Formats.Dictionaries;
using Archive.Worker.Evidence;
using Microsoft.EntityFrameworkCore;

namespace Archive.Worker.Dictionaries;

/// <summary>
/// Computes one dictionary's dashboards: the model (from <see cref="ModelCache"/>), the SAE (through the same
/// <see cref="IFeatureDictionarySource"/> the <c>sae_feature</c> method reads, so the dashboards and the evidence see the
/// same weights) and the token ids (a blob, checked against the model's vocabulary), then evidence-methods section 5's
/// statistics of every feature, as the specimen builder computes them (<see cref="FeatureDashboards"/>).
/// </summary>
public sealed class DashboardComputation(ModelCache models, BlobCache files, IFeatureDictionarySource dictionaries)
{
    /// <summary>What the job names, read before the work starts.</summary>
    public sealed record Inputs(string Slug, string HookName, string ModelSha256, string TokenSetSha256, int Windows, int Length, string TokenSetDescription);

    public static Task<Inputs?> ReadInputsAsync(ArchiveDbContext db, int dictionaryId, CancellationToken ct) =>
        db.DashboardJobs.AsNoTracking().Where(j => j.FeatureDictionaryId == dictionaryId)
            .Select(j => new Inputs(j.FeatureDictionary.Slug, j.FeatureDictionary.HookName, j.FeatureDictionary.Model.Sha256,
                j.TokenSetSha256, j.TokenWindows, j.TokenLength, j.FeatureDictionary.TokenSetDescription))
            .SingleOrDefaultAsync(ct);

    /// <param name="step">Called as each of <see cref="DashboardSteps"/> begins (1-based).</param>
    public async Task<FeatureDashboardFile> ComputeAsync(Inputs inputs, Func<int, Task> step, CancellationToken ct)
    {
        var modelSha = ContentHash.Parse(inputs.ModelSha256);
        var (model, modelPath) = await models.GetAsync(modelSha, ct);
        using var turn = await models.TakeTurnAsync(modelSha, ct);
        var tokenPath = await files.GetAsync(ContentHash.Parse(inputs.TokenSetSha256), ct);
        var tokens = TokenSetFile.Read(tokenPath, inputs.Windows, inputs.Length);
        var dVocab = model.Config.d_vocab;
        foreach (var window in tokens)
            foreach (var id in window)
                if (id < 0 || id >= dVocab) throw new InvalidDataException($"The token set holds id {id}, outside the model's vocabulary [0, {dVocab}).");
        var header = SafetensorsFile.ReadHeader(modelPath);
        var tokenString = header.Metadata.TryGetValue("vocab", out var vocabJson)
            ? RestrictedVocabulary.FromJson(vocabJson).TokenString
            : (Func<int, string>)(id => $"<{id}>"); // a model without a vocabulary: its ids are all anyone knows
        var sae = await Task.Run(() => dictionaries.Get(inputs.Slug, inputs.ModelSha256), ct);

        await step(2);
        using var activations = await Task.Run(() =>
        {
            // A lost lease or a stopping worker stops the pass between blocks, not at its end.
            using (EngineCancellation.Use(ct)) return SaeFeatureMeasures.HookActivations(model, tokens, inputs.HookName);
        }, ct);
        await step(3);
        var record = TokenSetRecord.Create(tokens, inputs.TokenSetDescription, null, inputs.HookName, inlineLimit: 0);
        var stats = await Task.Run(() =>
        {
            using (EngineCancellation.Use(ct)) return FeatureStatistics.Compute(model, sae.Sae, activations, record, tokens);
        }, ct);
        return FeatureDashboards.From(inputs.HookName, stats, tokenString);
    }
}
