using System.Text.Json;
using Archive.Data.Circuits;
using Archive.Data.Claims;
using Archive.Data.Specimens;
using Archive.Web.Tests.Infrastructure;

namespace Archive.Web.Tests.Revisions;

/// <summary>A specimen with two revisions whose differences the diff tests look for.</summary>
public static class RevisionTestData
{
    public const string Slug = "induction-2l";
    public const string Title = "Induction heads in a two-layer model";

    /// <summary>
    /// Revision 2 rewords one line of the writeup and adds a section; relabels L1H4 and adds L1H5; reweights the
    /// L0H1→L1H4 K edge; raises induction-head's threshold (its parameters only reordered); drops previous-token-head and
    /// adds copying.
    /// </summary>
    public static async Task<Specimen> SeedAsync(ArchiveFixture archive, SpecimenStatus status = SpecimenStatus.Published, int? submittedById = null)
    {
        var model = ArchiveTestData.NewModel();
        var specimen = ArchiveTestData.NewSpecimen(model, Slug, Title, status: status);
        specimen.SubmittedById = submittedById;

        var next = ArchiveTestData.NewSpecimen(model, Slug, Title,
            writeup: "## Question\n\nDoes the model copy repeated tokens?\n\n$$a^2 + b^2 = c^2$$\n\n## Answer\n\nYes, through head 1.4.\n").Revisions[0];
        next.Number = 2;
        next.Message = "Answer the question";
        var circuit = next.Circuits[0];
        circuit.Nodes.Single(n => n.Key == "L1H4").Label = "Induction head (layer 1, head 4)";
        circuit.Nodes.Add(new CircuitNode { Key = "L1H5", Kind = CircuitNodeKind.AttnHead, Layer = 1, Head = 5, Label = "Backup induction head" });
        circuit.Edges.Single(e => e.SourceKey == "L0H1").Weight = 0.45;
        var induction = next.Claims.Single(c => c.Key == "induction-head");
        induction.Expected = 0.7;
        induction.Parameters = JsonDocument.Parse("""{"prefix":1,"seq_len":20,"batch":8,"seed":1}""");
        next.Claims.RemoveAll(c => c.Key == "previous-token-head");
        next.Claims.Add(new Claim
        {
            Key = "copying",
            Statement = "Head 1.4 copies: copying score ≥ 0.5",
            Method = "copying_score",
            Targets = ["L1H4"],
            Comparison = ClaimComparison.AtLeast,
            Expected = 0.5,
            Tolerance = 0.02,
        });
        specimen.Revisions.Add(next);

        await using var db = archive.CreateDbContext();
        return await ArchiveTestData.SaveAsync(db, specimen);
    }
}
