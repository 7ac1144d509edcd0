using Archive.Data.Accounts;
using Archive.Data.Blobs;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Data.Dictionaries;
using Archive.Data.Evidence;
using Archive.Data.Models;
using Archive.Data.Reviews;
using Archive.Data.Specimens;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Archive.Data;

/// <summary>The archive's one database: Identity's account tables and the archive's own.</summary>
public sealed class ArchiveDbContext(DbContextOptions<ArchiveDbContext> options)
    : IdentityDbContext<User, IdentityRole<int>, int>(options), IDataProtectionKeyContext
{
    public DbSet<Blob> Blobs => Set<Blob>();
    public DbSet<Model> Models => Set<Model>();
    public DbSet<ModelUnit> ModelUnits => Set<ModelUnit>();
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
    public DbSet<DashboardJob> DashboardJobs => Set<DashboardJob>();
    public DbSet<FeatureActivation> FeatureActivations => Set<FeatureActivation>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<ReviewEvent> ReviewEvents => Set<ReviewEvent>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Trigram indexes for substring search (feature explanations); a trusted extension since PostgreSQL 13.
        builder.HasPostgresExtension("pg_trgm");
        IdentityTableNames.Apply(builder);
        builder.ApplyConfiguration(new BlobConfiguration());
        builder.HasDbFunction(typeof(EvidenceRun).GetMethod(nameof(EvidenceRun.QueuePosition))!).HasName("evidence_queue_position");
        builder.ApplyConfiguration(new AttributionGraphFileConfiguration());
        builder.ApplyConfiguration(new ModelConfiguration());
        builder.ApplyConfiguration(new ModelUnitConfiguration());
        builder.ApplyConfiguration(new SpecimenConfiguration());
        builder.ApplyConfiguration(new SpecimenRevisionConfiguration());
        builder.ApplyConfiguration(new CircuitConfiguration());
        builder.ApplyConfiguration(new CircuitNodeConfiguration());
        builder.ApplyConfiguration(new CircuitEdgeConfiguration());
        builder.ApplyConfiguration(new ClaimConfiguration());
        builder.ApplyConfiguration(new EvidenceRunConfiguration());
        builder.ApplyConfiguration(new EvidenceRunAttemptConfiguration());
        builder.ApplyConfiguration(new FeatureDictionaryConfiguration());
        builder.ApplyConfiguration(new FeatureConfiguration());
        builder.ApplyConfiguration(new DashboardJobConfiguration());
        builder.ApplyConfiguration(new FeatureActivationConfiguration());
        builder.ApplyConfiguration(new UserConfiguration());
        builder.ApplyConfiguration(new ApiKeyConfiguration());
        builder.ApplyConfiguration(new ReviewEventConfiguration());
    }
}
