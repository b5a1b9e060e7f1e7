namespace Mecom.Harness.Migration.Policy;

/// <summary>Decides, after each iterative round, whether the next one is stop-and-copy.</summary>
public interface IStopRule
{
    string Name { get; }

    /// <param name="rounds">Every iterative round so far; the last one's <see cref="RoundRecord.DirtyAfter"/> is what remains.</param>
    bool ShouldStop(IReadOnlyList<RoundRecord> rounds, long guestPages, int pageSize, out string reason);

    public static IStopRule Create(MigrationSettings settings) => settings.StopRule switch
    {
        StopRuleKind.Xen => new XenStopRule(settings.MaxRounds),
        _ => new QemuStopRule(settings.DowntimeLimitMs, settings.MaxRounds),
    };
}

/// <summary>
/// Xen 3.x <c>xc_domain_save</c>: stop after <c>DEF_MAX_ITERS</c> = 29 iterations, when fewer than 50 pages
/// are dirty, or when more than <c>DEF_MAX_FACTOR</c> = 3 times the guest's pages have been sent.
/// </summary>
public sealed class XenStopRule(int maxRounds = 30) : IStopRule
{
    public const int FewDirtyPages = 50;
    public const int MaxFactor = 3;

    public string Name => "xen";

    public bool ShouldStop(IReadOnlyList<RoundRecord> rounds, long guestPages, int pageSize, out string reason)
    {
        long dirty = rounds[^1].DirtyAfter;
        long sent = rounds.Sum(r => r.Pages);
        reason = dirty < FewDirtyPages ? $"{dirty} dirty pages < {FewDirtyPages}"
            : sent > MaxFactor * guestPages ? $"{sent} pages sent > {MaxFactor}x memory"
            : rounds.Count >= maxRounds ? $"round cap ({rounds.Count} rounds)"
            : "";
        return reason.Length > 0;
    }
}

/// <summary>
/// QEMU's rule: stop when the dirty pages would go within the downtime limit at the rate the last round
/// achieved. The rate is in page bytes per second (what left the source, before compression), so a codec
/// that compresses 4:1 is credited with a 4x faster link, as it should be; or when the round cap is hit.
/// </summary>
public sealed class QemuStopRule(double downtimeLimitMs = 300, int maxRounds = 30) : IStopRule
{
    public string Name => "qemu";

    public bool ShouldStop(IReadOnlyList<RoundRecord> rounds, long guestPages, int pageSize, out string reason)
    {
        RoundRecord last = rounds[^1];
        double expectedMs = last.DirtyAfter * (double)pageSize / last.PageBytesPerSecond(pageSize) * 1000;
        reason = expectedMs <= downtimeLimitMs ? $"expected downtime {expectedMs:0.#} ms <= {downtimeLimitMs:0.#} ms"
            : rounds.Count >= maxRounds ? $"round cap ({rounds.Count} rounds)"
            : "";
        return reason.Length > 0;
    }
}
