namespace Archive.Data.Models;

/// <summary>
/// The bytes of a model's safetensors file, stored in PostgreSQL beside the metadata so a backup of the database is
/// a backup of the archive. Kept in its own table so listing models never reads them.
/// </summary>
public sealed class ModelWeights
{
    public int ModelId { get; set; }
    public required byte[] Content { get; set; }
}
