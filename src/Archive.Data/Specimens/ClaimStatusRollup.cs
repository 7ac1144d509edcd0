using Archive.Data.Evidence;
using Microsoft.EntityFrameworkCore;

namespace Archive.Data.Specimens;

/// <summary>
/// Recomputes <see cref="Specimen.ClaimStatus"/> from the latest evidence run of each claim in the current revision.
/// Called whenever a revision becomes current or an evidence run finishes, so listings can filter on a column.
/// </summary>
public static class ClaimStatusRollup
{
    public static async Task RefreshAsync(ArchiveDbContext db, int specimenId, CancellationToken ct = default)
    {
        var revisionId = await db.Specimens.Where(s => s.Id == specimenId).Select(s => s.CurrentRevisionId).SingleAsync(ct);
        var verdicts = await db.Claims
            .Where(c => c.RevisionId == revisionId)
            .Select(c => c.EvidenceRuns
                .Where(r => r.Status == EvidenceStatus.Succeeded || r.Status == EvidenceStatus.Failed)
                .OrderByDescending(r => r.FinishedAt)
                .Select(r => r.Verdict)
                .FirstOrDefault())
            .ToListAsync(ct);
        var status = Combine(verdicts);
        await db.Specimens.Where(s => s.Id == specimenId).ExecuteUpdateAsync(u => u.SetProperty(s => s.ClaimStatus, status), ct);
    }

    public static ClaimStatus Combine(IReadOnlyCollection<EvidenceVerdict?> latestVerdicts)
    {
        if (latestVerdicts.Any(v => v == EvidenceVerdict.Refuted)) return ClaimStatus.Refuted;
        var supported = latestVerdicts.Count(v => v == EvidenceVerdict.Supported);
        if (supported == 0) return ClaimStatus.Unverified;
        return supported == latestVerdicts.Count ? ClaimStatus.Supported : ClaimStatus.Partial;
    }
}
