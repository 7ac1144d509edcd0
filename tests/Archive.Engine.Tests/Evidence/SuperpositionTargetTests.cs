using System.Text.Json;
using Archive.Engine.Evidence;
using Archive.Formats.Claims;
using Xunit;

namespace Archive.Engine.Tests.Evidence;

/// <summary>A superposition claim's <c>S=</c> target and its <c>sparsity_index</c> name one member of the family, or the claim is refused.</summary>
public sealed class SuperpositionTargetTests
{
    private static string ShippedToyModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Archive.sln")))
                return Path.Combine(dir.FullName, "src", "Archive.Specimens", "Bundles", "toy-models-of-superposition-20-in-5", "model.safetensors");
        }
        throw new DirectoryNotFoundException("No Archive.sln above the test binary.");
    }

    private static EvidenceOutcome Run(string target, int index) =>
        new SuperpositionMethods().Run(new EvidenceContext(
            ClaimMethods.Parse("superposition", [target], JsonDocument.Parse($$"""{"sparsity_index": {{index}}, "measure": "represented_count"}""").RootElement.Clone()),
            ShippedToyModel(), "", null));

    [Fact]
    public void A_target_naming_the_indexed_members_sparsity_is_measured()
    {
        Assert.InRange(Run("S=0.99", 4).Headline, 0, 20);
        Assert.InRange(Run("S=0", 0).Headline, 0, 20);
    }

    [Fact]
    public void A_target_naming_another_member_is_refused_rather_than_silently_measuring_the_indexed_one()
    {
        var e = Assert.Throws<InvalidDataException>(() => Run("S=0.99", 0));
        Assert.Contains("sparsity_index 0 is the model trained at S = 0", e.Message, StringComparison.Ordinal);
    }
}
