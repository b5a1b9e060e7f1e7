using System.Text.Json.Serialization;

namespace Mecom.Harness.Qemu;

/// <summary>What a real QEMU migration adds to a run: QEMU's own figures, the host's, the guest's.</summary>
/// <param name="Accelerator">tcg or kvm.</param>
/// <param name="Guest">linux or seabios.</param>
/// <param name="QueryMigrate">QEMU's own account, from the source's last <c>query-migrate</c>.</param>
/// <param name="HostDowntimeMs">From the source's STOP event to the target's RESUME event (QMP timestamps, the host's clock); null when either is missing.</param>
/// <param name="StreamBytes">QEMU's stream through the bridges, all connections.</param>
/// <param name="WireBytes">Bytes on the link between the bridges.</param>
/// <param name="BridgesTailMs">From QEMU's completion to both bridges' end: what the bridges add after QEMU is done.</param>
/// <param name="DowntimeParts">The host-side downtime split at the bridges; null when an event or a timestamp is missing.</param>
/// <param name="Progress">The guest's own progress (linux guest; null for seabios).</param>
public sealed record QemuFigures(
    string Accelerator, string QemuVersion, string Guest, int RamMib, QueryMigrateFigures QueryMigrate, double? HostDowntimeMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DowntimeParts? DowntimeParts,
    long StreamBytes, long WireBytes, CpuFigures CpuSeconds, double BridgesTailMs, TargetHealth Health,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GuestProgress? Progress);

/// <summary>QEMU's <c>query-migrate</c> at the end of a migration.</summary>
/// <param name="Status">completed, failed, ...</param>
/// <param name="DowntimeMs">QEMU's downtime: it ends when the source has written its last byte, not when the target runs.</param>
/// <param name="NormalPages">Pages sent whole (<c>ram.normal</c>).</param>
/// <param name="ZeroPages">Pages sent as a zero tag (<c>ram.duplicate</c>).</param>
public sealed record QueryMigrateFigures(
    string Status, double TotalTimeMs, double DowntimeMs, double SetupTimeMs, long TransferredBytes, long DirtySyncCount, long NormalPages, long ZeroPages);

/// <summary>
/// Where a host-side downtime went, on the host's clock: from the source's STOP until the source bridge
/// read the stream's last byte (QEMU sending the last dirty pages and the device state), until the target
/// bridge wrote the last byte to the target QEMU (the bridges and the link: what compression shortens),
/// and until the target's RESUME (its loading the device state and starting the vCPU).
/// </summary>
public sealed record DowntimeParts(double SourceSendMs, double BridgesAndLinkMs, double TargetLoadMs);

/// <summary>CPU seconds each part used during the run (the bridges run in this process: its CPU time over the migration).</summary>
public sealed record CpuFigures(double SourceQemu, double TargetQemu, double Bridges);

/// <summary>The target some seconds after the migration.</summary>
/// <param name="AfterS">How long after the migration it was checked.</param>
/// <param name="Running">query-status said "running".</param>
/// <param name="GuestAlive">The guest printed workload progress in the last seconds (linux guest; null for seabios).</param>
public sealed record TargetHealth(double AfterS, bool Running, bool? GuestAlive);

/// <summary>
/// The guest's own view (kvstore's PROGRESS lines): updates per second before the migration and during it,
/// and how far it fell behind its fixed-rate schedule.
/// </summary>
/// <param name="RateBefore">Updates per guest second over the seconds before the migration started.</param>
/// <param name="RateDuring">Updates per guest second from the start of the migration to the source's stop.</param>
/// <param name="Slowdown">1 - during / before (0.05 = 5% slower).</param>
/// <param name="MaxLagMs">The most the guest was behind its schedule, during the migration or after it resumed on the target, in ms of its own updates.</param>
public sealed record GuestProgress(double RateBefore, double RateDuring, double Slowdown, double MaxLagMs);
