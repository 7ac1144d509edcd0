using Archive.Data;
using Archive.Data.Dictionaries;
using Archive.Data.Models;

namespace Archive.Web.Tests.Infrastructure;

/// <summary>Builders for feature dictionaries, their features and top activations (test fixtures, never shown to users).</summary>
public static class DictionaryTestData
{
    public const string Config = """{"architecture":"topk","d_in":64,"d_sae":4,"k":2,"hook_name":"blocks.1.hook_resid_post","hook_layer":1,"model_name":"attn-only-2l","dtype":"float32","apply_b_dec_to_input":true,"normalize_activations":"none"}""";

    /// <summary>A 64 → 4 TopK dictionary whose features 0..3 all have dashboards (feature 3 is dead).</summary>
    public static FeatureDictionary NewDictionary(Model model, string slug = "attn-2l-resid1-topk", string title = "Residual stream after layer 1, TopK") => new()
    {
        Slug = slug,
        Title = title,
        Description = "A small TopK SAE for the tests.",
        Model = model,
        HookName = "blocks.1.hook_resid_post",
        HookLayer = 1,
        Architecture = "topk",
        DIn = 64,
        DSae = 4,
        K = 2,
        ConfigJson = Config,
        Sha256 = ArchiveFixture.PlaceholderFile.Hex,
        SizeBytes = 2_128,
        TokenSetDescription = "4,096 tokens of the Brown corpus, seed 7.",
        CreatedAt = DateTimeOffset.UtcNow,
        Features =
        [
            NewFeature(0, "fires after an opening quote", 0.0123, 4.5),
            NewFeature(1, "plural nouns", 0.2, 2.25),
            NewFeature(2, "", 3.2e-5, 0.75),
            new Feature { Index = 3, Explanation = "dead feature", Density = 0, MaxActivation = 0 },
        ],
    };

    public static Feature NewFeature(int index, string explanation, double density, double max) => new()
    {
        Index = index,
        Explanation = explanation,
        Density = density,
        MaxActivation = max,
        HistogramJson = """{"edges":[-2,-1,0,1],"counts":[5,12,3],"underflow":2,"overflow":0}""",
        PositiveLogitsJson = """[{"token":" said","value":0.91},{"token":" wrote","value":0.5}]""",
        NegativeLogitsJson = """[{"token":" the","value":-0.42}]""",
        SimilarFeaturesJson = $$"""[{"index":{{(index + 1) % 4}},"cosine":0.8123},{"index":99,"cosine":0.5}]""",
        TopActivations =
        [
            new FeatureActivation { Rank = 0, MaxValue = max, MaxTokenIndex = 2, Tokens = ["He", " said", " \"", "Hello"], Values = [0, 0.1, max, 0.4] },
            new FeatureActivation { Rank = 1, MaxValue = max / 2, MaxTokenIndex = 1, Tokens = ["She", " \"", "Yes"], Values = [0, max / 2, 0] },
        ],
    };

    public static async Task<FeatureDictionary> SaveAsync(ArchiveDbContext db, FeatureDictionary dictionary)
    {
        db.FeatureDictionaries.Add(dictionary);
        await db.SaveChangesAsync();
        return dictionary;
    }
}
