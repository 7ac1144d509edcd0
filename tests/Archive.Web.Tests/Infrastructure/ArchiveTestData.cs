using System.Text.Json;
using Archive.Data;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Data.Evidence;
using Archive.Data.Models;
using Archive.Data.Specimens;

namespace Archive.Web.Tests.Infrastructure;

/// <summary>
/// Builders for rows the tests need. Values are test fixtures, never shown to users: the archive's own content comes
/// from the specimen bundles the worker imports.
/// </summary>
public static class ArchiveTestData
{
    public static Model NewModel(string slug = "attn-only-2l") => new()
    {
        Slug = slug,
        Name = $"Model {slug}",
        Architecture = "attn-only",
        ConfigJson = """{"n_layers":2,"d_model":64,"n_heads":4,"d_head":16,"d_mlp":null,"d_vocab":50,"n_ctx":64,"act_fn":null,"normalization_type":null,"attn_only":true,"positional_embedding_type":"standard"}""",
        NLayers = 2,
        DModel = 64,
        NHeads = 4,
        DVocab = 50,
        NCtx = 64,
        AttnOnly = true,
        ParameterCount = 42_000,
        WeightsFileName = $"{slug}.safetensors",
        Sha256 = ArchiveFixture.PlaceholderFile.Hex,
        SizeBytes = 168_000,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>A published specimen with one revision holding a writeup, a two-head circuit and two claims.</summary>
    public static Specimen NewSpecimen(Model model, string slug, string title, string summary = "A specimen used by the tests.",
        string writeup = "## Question\n\nDoes the model copy?\n\n$$a^2 + b^2 = c^2$$\n", string[]? tags = null, string[]? techniques = null,
        SpecimenStatus status = SpecimenStatus.Published, DateTimeOffset? publishedAt = null)
    {
        var now = publishedAt ?? DateTimeOffset.UtcNow;
        var revision = new SpecimenRevision
        {
            Number = 1,
            WriteupMarkdown = writeup,
            Message = "First version",
            CreatedBy = "tester",
            CreatedAt = now,
            Circuits =
            [
                new Circuit
                {
                    Slug = "induction",
                    Title = "Induction circuit",
                    Nodes =
                    [
                        new CircuitNode { Key = "embed", Kind = CircuitNodeKind.Embed, Label = "Embed" },
                        new CircuitNode { Key = "L0H1", Kind = CircuitNodeKind.AttnHead, Layer = 0, Head = 1, Label = "Previous-token head 0.1" },
                        new CircuitNode { Key = "L1H4", Kind = CircuitNodeKind.AttnHead, Layer = 1, Head = 4, Label = "Induction head 1.4" },
                        new CircuitNode { Key = "logits", Kind = CircuitNodeKind.Logit, Label = "Logits" },
                    ],
                    Edges =
                    [
                        new CircuitEdge { SourceKey = "embed", TargetKey = "L0H1", Weight = 0.4, Kind = CircuitEdgeKind.Residual },
                        new CircuitEdge { SourceKey = "L0H1", TargetKey = "L1H4", Weight = 0.31, Kind = CircuitEdgeKind.K },
                        new CircuitEdge { SourceKey = "L1H4", TargetKey = "logits", Weight = -0.2, Kind = CircuitEdgeKind.O },
                    ],
                },
            ],
            Claims =
            [
                new Claim
                {
                    Key = "induction-head",
                    Statement = "Head 1.4 is an induction head: induction score ≥ 0.6",
                    Method = "induction_score",
                    Targets = ["L1H4"],
                    Parameters = JsonDocument.Parse("""{"seed":1,"batch":8,"seq_len":20,"prefix":1}"""),
                    Comparison = ClaimComparison.AtLeast,
                    Expected = 0.6,
                    Tolerance = 0.02,
                },
                new Claim
                {
                    Key = "previous-token-head",
                    Statement = "Head 0.1 attends to the previous token: previous-token score ≥ 0.4",
                    Method = "previous_token_score",
                    Targets = ["L0H1"],
                    Comparison = ClaimComparison.AtLeast,
                    Expected = 0.4,
                    Tolerance = 0.02,
                },
            ],
        };
        return new Specimen
        {
            Slug = slug,
            Title = title,
            Summary = summary,
            Behaviour = "copying repeated tokens",
            Model = model,
            Tags = [.. tags ?? ["induction"]],
            Techniques = [.. techniques ?? ["attention-patterns"]],
            Authors = ["Test Author"],
            Status = status,
            SearchText = string.Join(' ', (tags ?? ["induction"]).Concat(techniques ?? ["attention-patterns"])) + " " + writeup,
            Revisions = [revision],
            CreatedAt = now,
            UpdatedAt = now,
            PublishedAt = status == SpecimenStatus.Published ? now : null,
        };
    }

    /// <summary>Saves the specimen and points its current revision at its newest one.</summary>
    public static async Task<Specimen> SaveAsync(ArchiveDbContext db, Specimen specimen)
    {
        db.Specimens.Add(specimen);
        await db.SaveChangesAsync();
        specimen.CurrentRevisionId = specimen.Revisions.MaxBy(r => r.Number)!.Id;
        await db.SaveChangesAsync();
        return specimen;
    }

    public static EvidenceRun FinishedRun(Claim claim, EvidenceVerdict verdict, double value, DateTimeOffset? at = null) => new()
    {
        Id = Guid.NewGuid(),
        ClaimId = claim.Id,
        Status = EvidenceStatus.Succeeded,
        Verdict = verdict,
        HeadlineValue = value,
        RequestedAt = at ?? DateTimeOffset.UtcNow,
        StartedAt = at ?? DateTimeOffset.UtcNow,
        FinishedAt = at ?? DateTimeOffset.UtcNow,
    };
}
