using System.Runtime.CompilerServices;

namespace Mecom.Codecs.WordPattern;

/// <summary>
/// The WKdm page format used here. Modelled on Apple XNU's <c>WKdm_new</c>; not byte-compatible with it.
/// </summary>
/// <remarks>
/// <para>The page is read as N = pageSize/4 little-endian 32-bit words. A 16-entry direct-mapped
/// dictionary starts with every entry = 1 (so 0 never matches an entry); the entry for word w is
/// <see cref="Hash"/>(w) = bits 10..13 of w XOR bits 14..17 (a fold of bits 10..17, the lowest bits a
/// partial match keeps). Each word gets a 2-bit tag, tested in this order:</para>
/// <list type="bullet">
/// <item>EXACT (3): w equals its entry. Emits the 4-bit entry index.</item>
/// <item>ZERO (0): w is 0. Emits nothing; zero is never inserted.</item>
/// <item>PARTIAL (1): the high 22 bits equal the entry's. Emits the index and the low 10 bits; the entry becomes w.</item>
/// <item>MISS (2): emits the full word; the entry becomes w.</item>
/// </list>
/// <para>Output, all little-endian 32-bit words:</para>
/// <list type="number">
/// <item>Header, 3 words: the word offset of the index area, of the low-bits area, and of the end.</item>
/// <item>Tags, N/16 words from word 3. Tags go in groups of 256 words; in a group, packed byte j holds the
/// tags of words j, 64+j, 128+j, 192+j at bits 0, 2, 4, 6. (A fixed 64-byte row keeps the layout the same
/// whatever vector width packs it.)</item>
/// <item>Full words of the MISS words, in order, from word 3 + N/16.</item>
/// <item>Indices of EXACT and PARTIAL words, in order: byte j = index 2j | index 2j+1 &lt;&lt; 4, zero-padded
/// to a whole word.</item>
/// <item>Low bits of PARTIAL words: in groups of 48 values, word k of a group's 16 holds values k, 16+k, 32+k
/// at bits 0, 10, 20; the last r &lt; 48 values go three per word in order (v0 | v1 &lt;&lt; 10 | v2 &lt;&lt; 20),
/// zero-padded.</item>
/// </list>
/// <para>Hence the size is known exactly from the tag counts alone (<see cref="SizeOf"/>).
/// A page that is one 64-bit value repeated is written as 12 bytes: a zero word (where a full output
/// has its index-area offset, never 0) and the value (XNU keeps such pages as just their value too). The
/// marker makes a truncated full output of 12 bytes detectable rather than a valid single value.</para>
/// </remarks>
public static class WkdmFormat
{
    public const uint TagZero = 0;
    public const uint TagPartial = 1;
    public const uint TagMiss = 2;
    public const uint TagExact = 3;

    /// <summary>Dictionary entries start here; any non-zero value would do.</summary>
    public const uint DictionaryInitialValue = 1;

    /// <summary>
    /// The vector encoder and decoder give zero words a spare dictionary slot (16) so they need no branch;
    /// their dictionaries have this many slots.
    /// </summary>
    internal const int SlotsWithSpare = 17;

    /// <summary>The spare slot zero words read and write in the vector paths.</summary>
    internal const uint SpareSlot = 16;

    public const int HeaderBytes = 12;
    public const int SingleValueBytes = 12;
    public const uint LowBitsMask = 0x3FF;

    /// <summary>Words per tag group: one 64-byte row of packed tags.</summary>
    public const int TagGroupWords = 256;

    /// <summary>Values per low-bits group: 16 packed words.</summary>
    public const int LowGroupValues = 48;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(uint word) => ((word >> 10) ^ (word >> 14)) & 0xF;

    public static int TagBytes(int pageWords) => pageWords / 4;

    public static int IndexAreaBytes(int indices) => 4 * ((indices + 7) / 8);

    public static int LowAreaBytes(int partials) => 4 * ((partials + 2) / 3);

    /// <summary>The exact encoded size of a page that is not a single value.</summary>
    public static int SizeOf(int pageWords, int exact, int partial, int miss) =>
        HeaderBytes + TagBytes(pageWords) + 4 * miss + IndexAreaBytes(exact + partial) + LowAreaBytes(partial);
}
