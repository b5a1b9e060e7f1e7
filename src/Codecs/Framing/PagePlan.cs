namespace Mecom.Codecs.Framing;

/// <summary>What one page becomes in a batch frame: its record's kind and payload length.</summary>
/// <param name="Kind"><see cref="BatchFrame.KindRaw"/>, <see cref="BatchFrame.KindCompressed"/> or <see cref="BatchFrame.KindDelta"/>.</param>
/// <param name="Length">Payload bytes: the page size for a raw record.</param>
public readonly record struct PageFate(byte Kind, int Length)
{
    /// <summary>The record's bytes in the frame, its header included.</summary>
    public int RecordBytes => BatchFrame.RecordHeaderBytes + Length;
}

/// <summary>
/// The rule that decides each page's fate: <see cref="FrameBuilder"/> executes it on real pages and the
/// simulator prices it on measured sizes, so the two cannot drift apart on what a page costs on the wire.
/// </summary>
/// <remarks>
/// A page goes raw when the codec could not shrink it or its output exceeds the raw threshold: the target
/// then copies it instead of decoding it, for a few bytes more. A re-sent page whose previous version is
/// cached goes as an XBZRLE delta when that is shorter than the record it would replace.
/// </remarks>
public readonly struct PagePlan
{
    /// <param name="rawAbove">The raw threshold, a fraction of the page in (0, 1]; 1 sends raw only what does not shrink.</param>
    public PagePlan(int pageSize, double rawAbove)
    {
        if (rawAbove is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rawAbove), rawAbove, "the raw threshold is a fraction of the page in (0, 1]");
        }

        PageSize = pageSize;
        RawLimit = (int)(rawAbove * pageSize);
    }

    public int PageSize { get; }

    /// <summary>The longest codec output sent as it is; a longer one goes raw.</summary>
    public int RawLimit { get; }

    /// <summary>The fate of a page its codec encoded in <paramref name="codecLength"/> bytes (or <see cref="PageCodec.DidNotFit"/>).</summary>
    public PageFate Encoded(int codecLength) => codecLength == PageCodec.DidNotFit || codecLength > RawLimit
        ? new PageFate(BatchFrame.KindRaw, PageSize)
        : new PageFate(BatchFrame.KindCompressed, codecLength);

    /// <summary>The most bytes a delta may take to replace <paramref name="encoded"/>: the target's trouble is worth only a shorter record.</summary>
    public int DeltaRoom(PageFate encoded) => Math.Min(encoded.Length, PageSize - 1);

    /// <summary>The fate once a delta of <paramref name="deltaLength"/> bytes (or <see cref="PageCodec.DidNotFit"/>) was tried.</summary>
    public static PageFate WithDelta(PageFate encoded, int deltaLength) =>
        deltaLength == PageCodec.DidNotFit ? encoded : new PageFate(BatchFrame.KindDelta, deltaLength);
}
