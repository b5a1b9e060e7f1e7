using System.Text;
using Mecom.Harness.Cli;
using Mecom.Harness.Qemu;

namespace Mecom.Tests.Qemu;

/// <summary>The parts of <c>qemu-migrate</c> that need no QEMU: the initramfs, the options, the guest's progress.</summary>
public sealed class QemuDriverTests
{
    [Fact]
    public void The_initramfs_is_newc_cpio_with_padded_names_and_data_and_a_trailer()
    {
        using var buffer = new MemoryStream();
        var cpio = new Cpio(buffer);
        cpio.AddDirectory("bin");
        cpio.AddFile("bin/x", [1, 2, 3], executable: true);
        cpio.AddSymlink("bin/ls", "busybox");
        cpio.Finish();
        byte[] bytes = buffer.ToArray();
        var entries = new List<(string Name, int Mode, byte[] Data)>();
        int at = 0;
        while (true)
        {
            string header = Encoding.ASCII.GetString(bytes, at, 110);
            Assert.Equal("070701", header[..6]);
            int Field(int i) => Convert.ToInt32(header.Substring(6 + (8 * i), 8), 16);
            int mode = Field(1), size = Field(6), nameSize = Field(11);
            string name = Encoding.ASCII.GetString(bytes, at + 110, nameSize - 1);
            Assert.Equal(0, bytes[at + 110 + nameSize - 1]);
            int data = (at + 110 + nameSize + 3) & ~3;
            entries.Add((name, mode, bytes[data..(data + size)]));
            at = (data + size + 3) & ~3;
            if (name == "TRAILER!!!")
            {
                break;
            }
        }

        Assert.Equal(bytes.Length, at);
        Assert.Equal(["bin", "bin/x", "bin/ls", "TRAILER!!!"], entries.Select(e => e.Name));
        Assert.Equal([0x41ED, 0x81ED, 0xA1FF, 0], entries.Select(e => e.Mode));
        Assert.Equal([1, 2, 3], entries[1].Data);
        Assert.Equal("busybox"u8.ToArray(), entries[2].Data);
    }

    [Fact]
    public void A_bad_workload_is_refused_naming_what_is_wrong()
    {
        (string Text, string Expected)[] cases =
        [
            ("records=10 hot=20", "hot=20 is more than records=10"), ("records=x", "'records=x' is not NAME=N"),
            ("speed=3", "unknown parameter 'speed'"), ("rate=0", "'rate=0' is not NAME=N"),
        ];
        foreach (var (text, expected) in cases)
        {
            Assert.Contains(expected, Assert.Throws<ArgumentException>(() => GuestWorkloadSpec.Parse(text)).Message);
        }
    }

    [Fact]
    public void A_workload_sets_only_what_it_names()
    {
        Assert.Equal(new GuestWorkloadSpec(40000, 100, 800), GuestWorkloadSpec.Parse("rate=800 hot=100"));
        Assert.Equal("records=40000 hot=2000 rate=400", GuestWorkloadSpec.Default.ToString());
    }

    [Fact]
    public void Peers_are_qemus_own_configurations_and_strategies_are_checked_before_any_guest_boots()
    {
        QemuPeer multifd = QemuPeer.Parse("QEMU-Multifd-Zstd");
        Assert.True(multifd.IsPeer);
        Assert.Equal("passthrough", multifd.BridgeStrategy);
        Assert.Equal(["multifd"], multifd.Capabilities);
        Assert.Equal("zstd", multifd.Parameters["multifd-compression"]);
        Assert.False(QemuPeer.Parse("mecom").IsPeer);
        Assert.Contains("unknown QEMU peer 'qemu-fast'", Assert.Throws<ArgumentException>(() => QemuPeer.Parse("qemu-fast")).Message);
        Assert.Contains("not in the bridge yet", Assert.Throws<ArgumentException>(() => QemuPeer.Parse("mecom+delta")).Message);
    }

    [Fact]
    public void The_guests_progress_gives_its_rate_before_and_during_and_its_worst_lag()
    {
        var t0 = new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);
        // 400 updates/s for 3 s before the start; during the migration the guest falls 100 updates
        // (250 ms of its schedule) behind and does 300/s; on the target it catches up.
        var source = new List<(DateTimeOffset, string)>();
        for (int i = 0; i <= 12; i++)
        {
            source.Add((t0.AddMilliseconds(i * 250), $"PROGRESS ms={i * 250} done={i * 100} due={i * 100}"));
        }

        for (int i = 1; i <= 4; i++)
        {
            source.Add((t0.AddMilliseconds(3000 + (i * 250)), $"PROGRESS ms={3000 + (i * 250)} done={1200 + (i * 75)} due={1200 + (i * 100)}"));
        }

        source.Add((t0.AddMilliseconds(3100), "alive MemFree: 1 kB"));
        var target = new List<(DateTimeOffset, string)> { (t0.AddSeconds(5), "PROGRESS ms=4250 done=1700 due=1700") };
        GuestProgress p = ProgressLines.Read(source, target, t0.AddMilliseconds(3000), t0.AddMilliseconds(4100))!;
        Assert.Equal(400, p.RateBefore, 1);
        Assert.Equal(300, p.RateDuring, 1);
        Assert.Equal(0.25, p.Slowdown, 3);
        Assert.Equal(250, p.MaxLagMs, 1);
        // A 300 ms migration holds one line of its own: the last line before it anchors the rate.
        GuestProgress brief = ProgressLines.Read(source, target, t0.AddMilliseconds(3000), t0.AddMilliseconds(3300))!;
        Assert.Equal(300, brief.RateDuring, 1);
        Assert.Null(ProgressLines.Read(source.Take(1).ToList(), target, t0.AddMilliseconds(3000), null));
    }

    [Fact]
    public void The_summary_sets_each_strategy_against_qemu_default_beside_the_paper()
    {
        static MigrationRun Run(string strategy, double downtime, double time, long bytes) => new()
        {
            Corpus = "qemu-linux-128mib", Strategy = strategy, BandwidthBps = 1e8, Mode = "qemu", StopRule = "qemu", StopReason = "completed",
            Workload = "", DowntimeMs = downtime, TotalTimeMs = time, BytesSent = bytes, Exact = true,
        };

        string s = QemuMigrateCommand.Summary([Run("qemu-default", 100, 1000, 1000), Run("mecom", 50, 800, 250)]);
        Assert.Equal("mecom against qemu-default at 100mbit: host downtime -50.0%, total time -20.0%, data on the link -75.0% (paper: -27.1%, -32.0%, -68.8%)", s);
        Assert.Equal("(no qemu-default run to compare against)", QemuMigrateCommand.Summary([Run("mecom", 50, 800, 250)]));
    }

    [Fact]
    public void Fidelity_sets_each_real_run_against_the_engines_replay_with_qemu_default_as_zero()
    {
        static MigrationRun Run(string strategy, string mode, double downtime, double time, long bytes, string? error = null) => new()
        {
            Corpus = "cap", Strategy = strategy, BandwidthBps = 1e8, Mode = mode, StopRule = "qemu", StopReason = "completed",
            Workload = "", DowntimeMs = downtime, TotalTimeMs = time, BytesSent = bytes, Exact = error is null, Error = error,
        };

        Assert.Equal("zero", Fidelity.EngineStrategy("qemu-default"));
        Assert.Equal("mecom", Fidelity.EngineStrategy("mecom"));
        Assert.Null(Fidelity.EngineStrategy("qemu-multifd-zstd"));
        MigrationRun[] real =
        [
            Run("qemu-default", "qemu", 400, 5000, 1000), Run("qemu-default", "qemu", 420, 5200, 1040), Run("qemu-default", "qemu", 440, 5400, 1080),
            Run("qemu-multifd-zstd", "qemu", 600, 1200, 300), Run("mecom", "qemu", 1, 1, 1, error: "failed"),
        ];
        MigrationRun[] replayed = [Run("zero", "emulated", 100, 5100, 1100), Run("zero", "simulated", 350, 6500, 1000), Run("mecom", "emulated", 1, 1, 1)];
        IReadOnlyList<FidelityRow> rows = Fidelity.Rows(real, replayed);
        Assert.Equal(["data", "total time", "downtime"], rows.Select(r => r.Metric));
        Assert.All(rows, r => Assert.Equal("qemu-default", r.Strategy));
        FidelityRow data = rows[0], time = rows[1], downtime = rows[2];
        Assert.Equal(1040, data.Real);
        Assert.Equal((1100 / 1040.0) - 1, data.EmulatedDeviation, 12);
        Assert.True(data.EmulatedMet && data.SimulatedMet);
        Assert.Equal(5200, time.Real);
        Assert.True(time.EmulatedMet);
        Assert.False(time.SimulatedMet); // +25% against 15%
        Assert.Equal(420, downtime.Real);
        Assert.False(downtime.EmulatedMet); // -76% against 25%
        Assert.True(downtime.SimulatedMet);
    }
    [Fact]
    public void The_replays_send_buffer_is_qemus_4_MiB_of_stream_as_bytes_on_the_link()
    {
        static MigrationRun Run(string strategy, long wire, long stream, string? error = null) => new()
        {
            Corpus = "cap", Strategy = strategy, BandwidthBps = 1e8, Mode = "qemu", StopRule = "qemu", StopReason = "completed",
            Workload = "", DowntimeMs = 1, TotalTimeMs = 1, BytesSent = wire, Exact = error is null, Error = error,
            Qemu = new QemuFigures("tcg", "test", "linux", 128, new QueryMigrateFigures("completed", 1, 1, 0, stream, 3, 1, 1), 1, null,
                stream, wire, new CpuFigures(0, 0, 0), 0, new TargetHealth(1, true, true), null),
        };

        MigrationRun[] real =
        [
            Run("mecom", 40, 100), Run("mecom", 45, 100), Run("mecom", 90, 100), Run("mecom", 10, 100, error: "failed"),
            Run("qemu-default", 1003, 1000),
        ];
        Assert.Equal((long)(MigrationSettings.QemuSendBufferBytes * 0.45), Fidelity.SendBuffer("mecom", real));
        // Pass-through adds message headers: never more than the socket holds.
        Assert.Equal(MigrationSettings.QemuSendBufferBytes, Fidelity.SendBuffer("zero", real));
        Assert.Equal(MigrationSettings.QemuSendBufferBytes, Fidelity.SendBuffer("lz4", real));
    }
}
