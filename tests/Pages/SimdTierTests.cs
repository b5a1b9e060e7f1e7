using Mecom.Codecs.Simd;

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
        SimdTier best = SimdTiers.Best;
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

        Assert.Equal(SimdTiers.Accelerated[^1], best);
        Assert.Equal(SimdTier.Scalar, SimdTiers.Accelerated[0]);
    }

    /// <summary>
    /// On Arm64 the vector paths must run on NEON, not fall to scalar: the best tier is Vector128 and the
    /// shuffle-based WKdm steps have their AdvSimd table lookup. Elsewhere the x86 shuffle must be there.
    /// </summary>
    [Fact]
    public void Each_architecture_runs_its_own_vector_instructions()
    {
        if (Disabled("DOTNET_EnableHWIntrinsic"))
        {
            Assert.Equal(SimdTier.Scalar, SimdTiers.Best);
            return;
        }

        switch (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture)
        {
            case System.Runtime.InteropServices.Architecture.Arm64:
                Assert.True(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported, "AdvSimd (NEON) must be on for the Arm64 leg");
                Assert.Equal(SimdTier.Vector128, SimdTiers.Best);
                break;
            case System.Runtime.InteropServices.Architecture.X64:
                Assert.True(System.Runtime.Intrinsics.X86.Ssse3.IsSupported, "SSSE3 (pshufb) is part of every x86-64-v2 CPU");
                break;
            default:
                Assert.Fail($"no vector expectation written for {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}");
                break;
        }
    }
}
