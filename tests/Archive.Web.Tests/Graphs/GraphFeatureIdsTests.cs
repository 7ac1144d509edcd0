using Archive.Web.Graphs;

namespace Archive.Web.Tests.Graphs;

/// <summary>Feature ids as circuit-tracer writes them: Cantor-paired (schema_version 1) or layer·10^k + index before.</summary>
public sealed class GraphFeatureIdsTests
{
    /// <summary>circuit-tracer's <c>feature_node</c>: z = (x+y)(x+y+1)/2 + y, with x = layer, y = index.</summary>
    private static long CantorPair(long layer, long index) => checked((layer + index) * (layer + index + 1) / 2 + index);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(25, 0)]
    [InlineData(0, 98_303)]
    [InlineData(12, 2_500_000)]
    [InlineData(25, 2_499_999)]
    [InlineData(1_000, 3_000_000_000)] // 8z+1 passes 2⁶³: integer square roots of 128-bit values
    public void Cantor_unpairing_inverts_circuit_tracers_pairing(long layer, long index)
    {
        Assert.Equal(new GraphFeatureIds.Decoded(layer, index), GraphFeatureIds.CantorUnpair(CantorPair(layer, index)));
    }

    [Fact]
    public void The_largest_id_in_the_bee_graph_decodes_past_two_to_the_31()
    {
        var decoded = GraphFeatureIds.CantorUnpair(4_816_760_324);

        Assert.Equal(4_816_760_324, CantorPair(decoded.Layer, decoded.Index));
        Assert.InRange(decoded.Layer, 0, 25);
        Assert.Equal($"L{decoded.Layer} #{decoded.Index}", GraphFeatureIds.Describe(4_816_760_324, "cross layer transcoder", decoded.Layer.ToString(), 1, "gemma-2-2b"));
    }

    [Theory]
    [InlineData(2_515_920L, "25", "gemma-2-2b", "L25 #15920")]
    [InlineData(15_920L, "0", "gemma-2-2b", "L0 #15920")]
    [InlineData(3_000_005L, "3", "llama-3-131k-relu", "L3 #5")]
    [InlineData(2_515_920L, "7", "gemma-2-2b", null)] // the digits do not name the node's layer
    [InlineData(2_515_920L, "25", "custom-123", null)] // a transcoder-list scan wrote the plain index
    public void Older_ids_decode_only_when_their_leading_digits_are_the_nodes_layer(long feature, string layer, string scan, string? expected)
    {
        Assert.Equal(expected, GraphFeatureIds.Describe(feature, "cross layer transcoder", layer, null, scan));
    }

    [Theory]
    [InlineData("embedding")]
    [InlineData("logit")]
    [InlineData("mlp reconstruction error")]
    public void Embeddings_logits_and_errors_have_no_feature_to_decode(string featureType)
    {
        Assert.Null(GraphFeatureIds.Describe(3, featureType, "2", 1, "gemma-2-2b"));
    }
}
