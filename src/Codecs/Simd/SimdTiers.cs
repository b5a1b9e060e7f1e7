using System.Runtime.Intrinsics;

namespace Mecom.Codecs.Simd;

/// <summary>The vector width a code path uses. Every vector path has a <see cref="Scalar"/> twin.</summary>
public enum SimdTier
{
    Scalar = 0,
    Vector128 = 128,
    Vector256 = 256,
    Vector512 = 512,
}

/// <summary>What the runtime lets this process use (the <c>DOTNET_Enable*</c> switches included).</summary>
public static class SimdTiers
{
    /// <summary>The widest hardware-accelerated tier; the one the dispatching entry points take.</summary>
    public static SimdTier Best =>
        Vector512.IsHardwareAccelerated ? SimdTier.Vector512 :
        Vector256.IsHardwareAccelerated ? SimdTier.Vector256 :
        Vector128.IsHardwareAccelerated ? SimdTier.Vector128 :
        SimdTier.Scalar;

    /// <summary>Every tier, scalar first. Non-accelerated tiers still run (software fallback): tests use that.</summary>
    public static IReadOnlyList<SimdTier> All { get; } =
        [SimdTier.Scalar, SimdTier.Vector128, SimdTier.Vector256, SimdTier.Vector512];

    /// <summary>Tiers this machine accelerates, scalar first.</summary>
    public static IReadOnlyList<SimdTier> Accelerated => All.Where(t => t <= Best).ToArray();
}
