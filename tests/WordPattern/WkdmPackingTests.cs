using Mecom.Codecs.Simd;
using Mecom.Codecs.WordPattern;

namespace Mecom.Tests.WordPattern;

/// <summary>Each vector tier of each packing step writes the scalar twin's bytes, and unpacking inverts it.</summary>
public class WkdmPackingTests
{
    public static TheoryData<SimdTier> VectorTiers => new(SimdTier.Vector128, SimdTier.Vector256, SimdTier.Vector512);

    [Theory]
    [MemberData(nameof(VectorTiers))]
    public void Tags_pack_and_unpack_like_the_scalar_twin(SimdTier tier)
    {
        var random = new Random(1);
        foreach (int words in new[] { 256, 1024, 4096 })
        {
            for (int trial = 0; trial < 50; trial++)
            {
                byte[] tags = new byte[words];
                for (int i = 0; i < words; i++)
                {
                    tags[i] = (byte)(trial == 0 ? 3 : random.Next(4));
                }

                byte[] scalar = new byte[words / 4];
                byte[] vector = new byte[words / 4];
                WkdmPacking.PackTags(tags, scalar, SimdTier.Scalar);
                WkdmPacking.PackTags(tags, vector, tier);
                Assert.Equal(scalar, vector);

                byte[] back = new byte[words];
                WkdmPacking.UnpackTags(vector, back, tier);
                Assert.Equal(tags, back);
                WkdmPacking.UnpackTags(scalar, back, SimdTier.Scalar);
                Assert.Equal(tags, back);
            }
        }
    }

    [Theory]
    [MemberData(nameof(VectorTiers))]
    public void Indices_pack_and_unpack_like_the_scalar_twin_at_every_count(SimdTier tier)
    {
        var random = new Random(2);
        for (int count = 0; count <= 1100; count++)
        {
            byte[] indices = new byte[count + 300];
            for (int i = 0; i < count; i++)
            {
                indices[i] = (byte)random.Next(16);
            }

            int area = WkdmFormat.IndexAreaBytes(count);
            byte[] scalar = new byte[area];
            byte[] vector = new byte[area];
            WkdmPacking.PackIndices(indices, scalar, SimdTier.Scalar);
            WkdmPacking.PackIndices(indices, vector, tier);
            Assert.Equal(scalar, vector);

            byte[] back = new byte[2 * area];
            WkdmPacking.UnpackIndices(vector, back, tier);
            Assert.Equal(indices.AsSpan(0, 2 * area).ToArray(), back);
        }
    }

    [Theory]
    [MemberData(nameof(VectorTiers))]
    public void Low_bits_pack_and_unpack_like_the_scalar_twin_at_every_count(SimdTier tier)
    {
        var random = new Random(3);
        for (int count = 0; count <= 1100; count += count < 200 ? 1 : 17)
        {
            uint[] lows = new uint[count + 300];
            for (int i = 0; i < count; i++)
            {
                lows[i] = (uint)random.Next(1024);
            }

            int area = WkdmFormat.LowAreaBytes(count);
            byte[] scalar = new byte[area];
            byte[] vector = new byte[area];
            WkdmPacking.PackLows(lows, scalar, SimdTier.Scalar);
            WkdmPacking.PackLows(lows, vector, tier);
            Assert.Equal(scalar, vector);

            uint[] back = new uint[3 * area / 4];
            WkdmPacking.UnpackLows(vector, back, tier);
            Assert.Equal(lows.AsSpan(0, back.Length).ToArray(), back);
        }
    }
}
