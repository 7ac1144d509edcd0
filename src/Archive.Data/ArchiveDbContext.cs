using Archive.Data.Accounts;
using Archive.Data.Blobs;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Data.Dictionaries;
using Archive.Data.Evidence;
using Archive.Data.Models;
using Archive.Data.Specimens;
using Microsoft.EntityFrameworkCore;

namespace Archive.Data;

public sealed class ArchiveDbContext(DbContextOptions<ArchiveDbContext> options) : DbContext(options)
{
    public DbSet<Blob> Blobs => Set<Blob>();
    public DbSet<Model> Models => Set<Model>();
    public DbSet<Specimen> Specimens => Set<Specimen>();
    public DbSet<SpecimenRevision> SpecimenRevisions => Set<SpecimenRevision>();
    public DbSet<Circuit> Circuits => Set<Circuit>();
    public DbSet<CircuitNode> CircuitNodes => Set<CircuitNode>();
    public DbSet<CircuitEdge> CircuitEdges => Set<CircuitEdge>();
    public DbSet<AttributionGraphFile> AttributionGraphs => Set<AttributionGraphFile>();
    public DbSet<Claim> Claims => Set<Claim>();
    public DbSet<EvidenceRun> EvidenceRuns => Set<EvidenceRun>();
    public DbSet<EvidenceRunAttempt> EvidenceRunAttempts => Set<EvidenceRunAttempt>();
    public DbSet<FeatureDictionary> FeatureDictionaries => Set<FeatureDictionary>();
    public DbSet<Feature> Features => Set<Feature>();
    public DbSet<FeatureActivation> FeatureActivations => Set<FeatureActivation>();
    public DbSet<User> Users => Set<User>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new BlobConfiguration());
        modelBuilder.HasDbFunction(typeof(EvidenceRun).GetMethod(nameof(EvidenceRun.QueuePosition))!).HasName("evidence_queue_position");
        modelBuilder.ApplyConfiguration(new AttributionGraphFileConfiguration());
        modelBuilder.ApplyConfiguration(new ModelConfiguration());
        modelBuilder.ApplyConfiguration(new SpecimenConfiguration());
        modelBuilder.ApplyConfiguration(new SpecimenRevisionConfiguration());
        modelBuilder.ApplyConfiguration(new CircuitConfiguration());
        modelBuilder.ApplyConfiguration(new CircuitNodeConfiguration());
        modelBuilder.ApplyConfiguration(new CircuitEdgeConfiguration());
        modelBuilder.ApplyConfiguration(new ClaimConfiguration());
        modelBuilder.ApplyConfiguration(new EvidenceRunConfiguration());
        modelBuilder.ApplyConfiguration(new EvidenceRunAttemptConfiguration());
        modelBuilder.ApplyConfiguration(new FeatureDictionaryConfiguration());
        modelBuilder.ApplyConfiguration(new FeatureConfiguration());
        modelBuilder.ApplyConfiguration(new FeatureActivationConfiguration());
        modelBuilder.ApplyConfiguration(new UserConfiguration());
    }
}
