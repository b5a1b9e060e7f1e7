using Mecom.Codecs;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Migration.Simulator;

/// <summary>What one codec costs on a guest's pages: exact sizes per page, times per page class.</summary>
/// <param name="Codec">Canonical codec name.</param>
/// <param name="Size">Compressed bytes per content id; <see cref="PageCodec.DidNotFit"/> when it does not shrink.</param>
/// <param name="CompressNs">Mean nanoseconds per page, by <see cref="PageClass"/>.</param>
/// <param name="DecompressNs">Mean nanoseconds per page, by <see cref="PageClass"/>.</param>
public sealed record CodecCosts(string Codec, int[] Size, double[] CompressNs, double[] DecompressNs);
