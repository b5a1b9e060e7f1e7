using Mecom.Harness.Qemu;
using Mecom.Tests.Support;

namespace Mecom.Tests.Qemu;

/// <summary>
/// Real QEMU 7.2 migrations through the bridges, exact, with the target running after: the firmware-only
/// guest (seconds) and the corpora/vm Linux guest. .ci/run installs QEMU, a kernel, busybox and gcc with
/// apt-get; each test skips, saying what is missing, only where they could not be installed.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class QemuMigrationEndToEndTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("mecom-qemu-test-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    private static string? Qemu() =>
        new[] { "/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64" }.FirstOrDefault(File.Exists);

    private QemuRunSettings Settings(string qemu, GuestImage guest) => new()
    {
        QemuBinary = qemu, Guest = guest, WorkDir = work, HealthWait = TimeSpan.FromSeconds(2), Settle = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public void The_firmware_guest_migrates_exactly_with_mecom_and_with_qemu_default()
    {
        string? qemu = Qemu();
        Assert.SkipUnless(qemu is not null, "qemu-system-x86_64 is not installed: .ci/run installs qemu-system-x86 with apt-get");
        Check(qemu, GuestImage.SeaBios(), expectProgress: false);
    }

    [Fact]
    public void The_linux_guest_migrates_exactly_with_mecom_and_with_qemu_default_and_keeps_running()
    {
        string? qemu = Qemu();
        Assert.SkipUnless(qemu is not null, "qemu-system-x86_64 is not installed: .ci/run installs qemu-system-x86 with apt-get");
        string? kernel = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").OrderBy(f => f, StringComparer.Ordinal).LastOrDefault() : null;
        bool tools = File.Exists("/bin/busybox") && File.Exists("/usr/bin/gcc");
        Assert.SkipUnless(kernel is not null && tools, "the Linux guest needs a kernel in /boot, busybox and gcc: .ci/run installs linux-image-amd64 busybox-static gcc libc6-dev with apt-get");
        GuestImage guest = GuestImage.Linux(Path.Combine(work, "guest"), kernel, GuestWorkloadSpec.Default);
        Check(qemu, guest, expectProgress: true);
    }

    private void Check(string qemu, GuestImage guest, bool expectProgress)
    {
        string version = "test";
        MigrationRun ours = QemuMigration.Run(QemuPeer.Parse("mecom"), 1e9, Settings(qemu, guest), version);
        MigrationRun theirs = QemuMigration.Run(QemuPeer.Parse("qemu-default"), 1e9, Settings(qemu, guest), version);
        foreach (MigrationRun run in new[] { ours, theirs })
        {
            Assert.True(run.Exact, $"{run.Strategy}: {run.Error}");
            Assert.Null(run.Error);
            QemuFigures q = run.Qemu!;
            Assert.Equal("completed", q.QueryMigrate.Status);
            Assert.True(q.Health.Running, $"{run.Strategy}: the target is not running {q.Health.AfterS} s after the migration");
            Assert.NotNull(q.HostDowntimeMs);
            Assert.InRange(q.HostDowntimeMs!.Value, 0, 60_000);
            Assert.True(q.StreamBytes > q.QueryMigrate.TransferredBytes / 2, $"{run.Strategy}: {q.StreamBytes} stream bytes for QEMU's {q.QueryMigrate.TransferredBytes}");
            Assert.True(q.QueryMigrate.NormalPages > 0 && q.QueryMigrate.ZeroPages > 0);
            if (expectProgress)
            {
                Assert.True(q.Health.GuestAlive, $"{run.Strategy}: the target guest printed no progress after the migration");
                Assert.True(q.Progress is not null, $"{run.Strategy}: no PROGRESS lines to rate before and during a {q.QueryMigrate.TotalTimeMs} ms migration");
                Assert.InRange(q.Progress!.RateBefore, 300, 500);
            }
        }

        // Pass-through carries the stream as it is (plus message headers); mecom encodes its pages.
        Assert.InRange((double)theirs.BytesSent / theirs.Qemu!.StreamBytes, 1.0, 1.01);
        Assert.True(ours.BytesSent < 0.9 * ours.Qemu!.StreamBytes, $"mecom put {ours.BytesSent} bytes on the link for a {ours.Qemu.StreamBytes}-byte stream");
    }
}
