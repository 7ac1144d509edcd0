namespace Archive.Data.Models;

/// <summary>
/// One unit of a CNN (a channel of a convolution, <c>conv2:7</c>) as its model's unit atlas describes it: the numbers the
/// unit list sorts and filters by are columns; the curves and images behind its page are <see cref="AtlasJson"/> (a
/// <see cref="Archive.Formats.Models.UnitRecord"/>).
/// </summary>
public sealed class ModelUnit
{
    public int Id { get; set; }
    public int ModelId { get; set; }
    public Model Model { get; set; } = null!;
    /// <summary><c>{layer}:{channel}</c>, unique within the model; the last segment of the unit page's URL.</summary>
    public required string Unit { get; set; }
    public required string Layer { get; set; }
    public int Channel { get; set; }
    public required string Role { get; set; }
    public double PreferredOrientation { get; set; }
    /// <summary>Best curve ÷ best line; null when no line drives the unit.</summary>
    public double? Selectivity { get; set; }
    /// <summary>Degrees; null when nothing drives the unit.</summary>
    public double? Fwhm { get; set; }
    public double Peak { get; set; }
    public required string AtlasJson { get; set; }
}
