using System.Security.Cryptography;
using System.Text.Json;
using Archive.Data;
using Archive.Formats.Models;
using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Models;

/// <summary>A CNN bundle's unit atlas (units.json): checked against the model file before anything is stored, then one
/// <see cref="ModelUnit"/> row per unit, replaced whole when the atlas changes.</summary>
public static class ModelUnitAtlas
{
    public sealed record ReadAtlas(UnitAtlas Atlas, string Sha256);

    public static async Task<ReadAtlas> ReadAsync(string path, string architecture, ModelCard card, string modelSha256, CancellationToken ct)
    {
        if (!ModelArchitectures.IsConvNet(architecture))
            throw new InvalidDataException($"A unit atlas describes a CNN's units; this model is a {architecture}.");
        var length = new FileInfo(path).Length;
        if (length > UnitAtlas.MaxFileBytes) throw new InvalidDataException($"units.json is {length:N0} bytes; at most {UnitAtlas.MaxFileBytes:N0} are read.");
        await using var file = File.OpenRead(path);
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
        file.Position = 0;
        return new ReadAtlas(UnitAtlas.Read(file, ConvNetConfig.FromJson(card.ConfigJson), modelSha256), sha);
    }

    public static async Task StoreAsync(ArchiveDbContext db, Model model, ReadAtlas read, CancellationToken ct)
    {
        if (model.UnitAtlasSha256 == read.Sha256) return;
        await db.ModelUnits.Where(u => u.ModelId == model.Id).ExecuteDeleteAsync(ct);
        db.ModelUnits.AddRange(read.Atlas.Units.Select(u =>
        {
            var name = UnitName.Parse(u.Unit);
            return new ModelUnit
            {
                ModelId = model.Id, Unit = u.Unit, Layer = name.Layer, Channel = name.Channel, Role = u.Role,
                PreferredOrientation = u.Tuning.PreferredOrientation, Selectivity = u.Tuning.Selectivity, Fwhm = u.Tuning.Fwhm, Peak = u.Tuning.Peak,
                AtlasJson = JsonSerializer.Serialize(u, UnitAtlas.JsonOptions),
            };
        }));
        model.UnitAtlasSha256 = read.Sha256;
        await db.SaveChangesAsync(ct);
    }
}
