using System.Buffers.Binary;
using Mecom.Codecs.General;
using Mecom.Codecs.Pages;
using Mecom.Codecs.WordPattern;

namespace Mecom.Codecs.Selection;

/// <summary>
/// The MECOM selector as a page codec: each page goes to the codec its own character calls for.
/// </summary>
/// <remarks>
/// <para>Output: one tag byte, then the payload.</para>
/// <list type="table">
/// <item><term>0 zero</term><description>nothing: the page is all zero (1 byte in all).</description></item>
/// <item><term>1 same-filled</term><description>the 64-bit fill value, little-endian (9 bytes).</description></item>
/// <item><term>2 word-pattern</term><description>WKdm's output (<see cref="WkdmFormat"/>).</description></item>
/// <item><term>3 general</term><description>the general codec's output (K4os LZ4 fast unless another is given).</description></item>
/// <item><term>4 base-delta</term><description>BΔI's output (<see cref="BdiFormat"/>).</description></item>
/// </list>
/// <para>Choice: zero and same-filled come from the vector detectors; then BΔI's classification (whole
/// blocks in vectors, stopped as soon as the size passes the threshold) gives its exact size, and BΔI is
/// used when that is at most <see cref="BdiMaxEighths"/>/8 of the page; otherwise WKdm's modelling pass
/// gives its exact size, and WKdm is used when that is at most <see cref="WkdmMaxEighths"/>/8 of the page
/// (XNU's rule is 4/8: WKdm unless its output reaches half a page). Everything else goes to the general
/// codec. A page whose output would not be smaller than the page is sent raw (<see cref="PageCodec.DidNotFit"/>).
/// The default threshold is measured, not guessed: see the README ("The MECOM selector").</para>
/// </remarks>
public sealed class MecomCodec : IPageCodec, IRecordClasses, IDisposable
{
    public const byte TagZero = 0;
    public const byte TagSameFilled = 1;
    public const byte TagWordPattern = 2;
    public const byte TagGeneral = 3;
    public const byte TagBaseDelta = 4;

    /// <summary>
    /// The default BΔI threshold in eighths of a page (0: never). Measured (README, "The MECOM selector"):
    /// see <see cref="DefaultWkdmMaxEighths"/> for how.
    /// </summary>
    public const int DefaultBdiMaxEighths = 0;

    /// <summary>
    /// The default WKdm threshold in eighths of a page: the fastest setting whose ratio is at least K4os
    /// LZ4's on both the shipped and the shared corpora. Measured (README, "The MECOM selector"): with LZ4 as
    /// the general codec WKdm's output is larger than LZ4's on these pages, and settings 1..3 are both
    /// slower and no smaller than 0; 4 (XNU's rule) is 1.22x faster but 2-7% larger than LZ4.
    /// </summary>
    public const int DefaultWkdmMaxEighths = 0;

    private readonly WkdmCodec wkdm = new();
    private readonly BdiCodec bdi = new();
    private readonly IPageCodec general;

    public MecomCodec(int wkdmMaxEighths = DefaultWkdmMaxEighths)
        : this(wkdmMaxEighths, new Lz4Codec())
    {
    }

    /// <summary>The selector with another general codec (e.g. zstd with a dictionary).</summary>
    public MecomCodec(int wkdmMaxEighths, IPageCodec general, int bdiMaxEighths = DefaultBdiMaxEighths)
    {
        this.general = general;
        if (wkdmMaxEighths is < 0 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(wkdmMaxEighths), wkdmMaxEighths, "the WKdm threshold is 0..8 eighths of a page");
        }

        if (bdiMaxEighths is < 0 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bdiMaxEighths), bdiMaxEighths, "the BDI threshold is 0..8 eighths of a page");
        }

        WkdmMaxEighths = wkdmMaxEighths;
        BdiMaxEighths = bdiMaxEighths;
        string lead = bdiMaxEighths == DefaultBdiMaxEighths ? $"mecom:{wkdmMaxEighths}" : $"mecom-bdi:{bdiMaxEighths}";
        Name = general is Lz4Codec { Name: "lz4" } ? lead : $"{lead}+{general.Name}";
    }

    /// <summary>BΔI is chosen when its exact output is at most this many eighths of the page (0: never).</summary>
    public int BdiMaxEighths { get; }

    public string Name { get; }

    /// <summary>WKdm is chosen when its exact output is at most this many eighths of the page (0: never).</summary>
    public int WkdmMaxEighths { get; }

    /// <summary>One class per tag: a record's class is its tag.</summary>
    public int RecordClassCount => TagBaseDelta + 1;

    public int RecordClass(ReadOnlySpan<byte> record) => !record.IsEmpty && record[0] <= TagBaseDelta ? record[0] : TagGeneral;

    public int Compress(ReadOnlySpan<byte> page, Span<byte> destination)
    {
        PageCodec.ValidatePageSize(page.Length);
        if (destination.Length < 9)
        {
            return PageCodec.DidNotFit;
        }

        if (ZeroPage.IsZero(page))
        {
            destination[0] = TagZero;
            return 1;
        }

        if (SameFilledPage.TryGetFillValue(page, out ulong fill))
        {
            destination[0] = TagSameFilled;
            BinaryPrimitives.WriteUInt64LittleEndian(destination[1..], fill);
            return 9;
        }

        Span<byte> payload = destination[1..Math.Min(destination.Length, page.Length)];
        if (BdiMaxEighths > 0)
        {
            // BDI stops as soon as its output passes the room offered, like WKdm below.
            int room = Math.Min(payload.Length, BdiMaxEighths * page.Length / 8);
            int written = bdi.Compress(page, payload[..room]);
            if (written > 0)
            {
                destination[0] = TagBaseDelta;
                return 1 + written;
            }
        }

        if (WkdmMaxEighths > 0)
        {
            // WKdm knows its exact size after tagging and stops there when it exceeds the room given,
            // so offering only the threshold's worth of room is the whole modelling pass.
            int room = Math.Min(payload.Length, WkdmMaxEighths * page.Length / 8);
            int written = wkdm.Compress(page, payload[..room]);
            if (written > 0)
            {
                destination[0] = TagWordPattern;
                return 1 + written;
            }
        }

        int length = general.Compress(page, payload);
        if (length <= 0 || 1 + length >= page.Length)
        {
            return PageCodec.DidNotFit;
        }

        destination[0] = TagGeneral;
        return 1 + length;
    }

    public void Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        if (source.IsEmpty)
        {
            throw new CorruptPageException(Name, "empty input");
        }

        ReadOnlySpan<byte> payload = source[1..];
        switch (source[0])
        {
            case TagZero when payload.IsEmpty:
                page.Clear();
                break;
            case TagSameFilled when payload.Length == 8:
                SameFilledPage.Fill(page, BinaryPrimitives.ReadUInt64LittleEndian(payload));
                break;
            case TagWordPattern:
            case TagGeneral:
            case TagBaseDelta:
                try
                {
                    (source[0] switch { TagWordPattern => wkdm, TagBaseDelta => bdi, _ => general }).Decompress(payload, page);
                }
                catch (CorruptPageException e)
                {
                    throw new CorruptPageException(Name, $"{source.Length}-byte input: {e.Message}", e);
                }

                break;
            default:
                throw new CorruptPageException(Name, $"tag {source[0]} with a {payload.Length}-byte payload is not a valid page");
        }
    }

    /// <summary>Releases the general codec's native or pooled state (zstd contexts).</summary>
    public void Dispose() => (general as IDisposable)?.Dispose();
}
