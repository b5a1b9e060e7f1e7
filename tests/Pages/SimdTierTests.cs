using Mecom.Codecs.Pages;

namespace Mecom.Tests.Pages;

/// <summary>
/// The CI legs set the runtime's switches; this checks each leg really runs the tier it claims, so a
/// "scalar" leg that silently ran vectors (or the reverse) fails.
/// </summary>
public class SimdTierTests
{
    private static bool Disabled(string name) => Environment.GetEnvironmentVariable(name) == "0";

    [Fact]
    public void The_dispatch_tier_obeys_the_runtime_switches()
    {
        SimdTier best = Simd.Best;
        if (Disabled("DOTNET_EnableHWIntrinsic"))
        {
            Assert.Equal(SimdTier.Scalar, best);
        }
        else if (Disabled("DOTNET_EnableAVX2") && System.Runtime.Intrinsics.X86.Sse2.IsSupported)
        {
            Assert.Equal(SimdTier.Vector128, best);
        }
        else if (Disabled("DOTNET_EnableAVX512"))
        {
            Assert.True(best <= SimdTier.Vector256, $"AVX-512 disabled but best tier is {best}");
            Assert.True(best >= SimdTier.Vector128, $"vectors enabled but best tier is {best}");
        }
        else
        {
            Assert.True(best >= SimdTier.Vector128, $"vectors enabled but best tier is {best}");
        }

        Assert.Equal(Simd.Accelerated[^1], best);
        Assert.Equal(SimdTier.Scalar, Simd.Accelerated[0]);
    }
}
