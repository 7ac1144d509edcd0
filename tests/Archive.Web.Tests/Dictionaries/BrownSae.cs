using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Archive.Data.Models;
using Archive.Formats.Models;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Dictionaries;

/// <summary>
/// A real SAELens folder to upload: the Brown specimen's TopK SAE (on <c>blocks.0.hook_resid_post</c>, 128 → 1,024,
/// k = 16, written as SAELens 6 writes it), the Brown model's row as the archive knows it, and token ids for it.
/// </summary>
public static class BrownSae
{
    public const string Bundle = "brown-2l-induction-and-features";
    public const string ModelSlug = "brown-2l-d128";

    /// <summary>The Brown model as the archive knows it: its real config (d_model 128, d_vocab 4,096, n_ctx 128); its file is a placeholder.</summary>
    public static async Task InsertModelAsync(ArchiveFixture archive)
    {
        var card = ModelCard.Inspect(ShippedBundles.File(Bundle, "model.safetensors"), "transformer");
        await using var db = archive.CreateDbContext();
        db.Models.Add(new Model
        {
            Slug = ModelSlug, Name = "Brown 2-layer", Architecture = "transformer", ConfigJson = card.ConfigJson,
            NLayers = card.NLayers, DModel = card.DModel, NHeads = card.NHeads, DVocab = card.DVocab, NCtx = card.NCtx,
            WeightsFileName = "model.safetensors", Sha256 = ArchiveFixture.PlaceholderFile.Hex, CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    public static string ConfigPath => ShippedBundles.File(Bundle, "sae/cfg.json");

    public static string WeightsPath => ShippedBundles.File(Bundle, "sae/sae_weights.safetensors");

    public static byte[] Config(Action<JsonObject>? edit = null)
    {
        var cfg = JsonNode.Parse(File.ReadAllText(ConfigPath))!.AsObject();
        edit?.Invoke(cfg);
        return Encoding.UTF8.GetBytes(cfg.ToJsonString());
    }

    public static byte[] Weights() => File.ReadAllBytes(WeightsPath);

    /// <summary>Four windows of 16 ids as little-endian int32, the last id replaced by <paramref name="lastId"/>.</summary>
    public static byte[] Tokens(int lastId = 4095)
    {
        var bytes = new byte[4 * 16 * 4];
        for (var i = 0; i < 64; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), i == 63 ? lastId : (i * 37) % 4096);
        return bytes;
    }

    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
