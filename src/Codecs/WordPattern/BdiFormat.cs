namespace Mecom.Codecs.WordPattern;

/// <summary>
/// Base-Delta-Immediate (Pekhimenko et al., PACT 2012) for memory pages: every 64-byte block of the page
/// is stored as one of the encodings below, whichever is smallest.
/// </summary>
/// <remarks>
/// <para>Layout: the block encodings, two per byte (low nibble first), <c>pageSize/128</c> bytes; then each
/// block's payload in order. A block of <c>k</c>-byte lanes with <c>d</c>-byte deltas stores the base
/// (<c>k</c> bytes, little-endian), the immediate mask (one bit per lane, little-endian, lane 0 in bit 0),
/// then per lane the low <c>d</c> bytes of either the lane itself (mask bit set: an immediate, a delta
/// from zero) or the lane minus the base. Each stored value, sign-extended back to <c>k</c> bytes, must
/// give the lane exactly. The base is the first lane that is not an immediate (zero when all are), so the
/// encoding of a block is unique and every vector tier produces the same bytes as the scalar twin.</para>
/// <para>The two bases (zero and one taken from the block) are the paper's BΔI: pointers and small
/// integers share blocks in real memory. Encodings are tried from the smallest payload up; equal sizes
/// are tried in the order of the table.</para>
/// </remarks>
public static class BdiFormat
{
    public const int BlockBytes = 64;

    public const byte Zeros = 0;
    public const byte Repeated = 1;
    public const byte Raw = 8;

    /// <summary>The encodings with a base, in the order they are tried: (lane bytes, delta bytes).</summary>
    public static ReadOnlySpan<byte> LaneBytes => [8, 4, 8, 4, 2, 8];

    public static ReadOnlySpan<byte> DeltaBytes => [1, 1, 2, 2, 1, 4];

    /// <summary>
    /// Encoding ids of <see cref="LaneBytes"/>' entries: the id is stable on the wire even though the try
    /// order puts b4d1 (22 bytes) before b8d2 (25). b4d2 and b2d1 cost the same 38; b4d2 is tried first.
    /// </summary>
    public static ReadOnlySpan<byte> Ids => [2, 5, 3, 6, 7, 4];

    /// <summary>Payload bytes of each encoding id 0..8.</summary>
    public static ReadOnlySpan<byte> PayloadBytes => [0, 8, 17, 25, 41, 22, 38, 38, 64];

    /// <summary>Lane bytes of each encoding id 2..7 (0 for the others).</summary>
    public static ReadOnlySpan<byte> LaneBytesOf => [0, 0, 8, 8, 8, 4, 4, 2, 0];

    /// <summary>Delta bytes of each encoding id 2..7 (0 for the others).</summary>
    public static ReadOnlySpan<byte> DeltaBytesOf => [0, 0, 1, 2, 4, 1, 2, 1, 0];

    /// <summary>Immediate-mask bytes of each encoding id 2..7 (one bit per lane).</summary>
    public static ReadOnlySpan<byte> MaskBytesOf => [0, 0, 1, 1, 1, 2, 2, 4, 0];

    public static int HeaderBytes(int pageSize) => pageSize / BlockBytes / 2;
}
