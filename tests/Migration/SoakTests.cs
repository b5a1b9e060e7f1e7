using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mecom.Tests.Support;

namespace Mecom.Tests.Migration;

/// <summary>
/// One <c>mecom migrate target</c> process serving small migrations in a row with hostile peers between
/// them (garbage, a trickling handshake, a codec-name flood, forged sizes): every migration is exact, the
/// target never exits, its RSS and open descriptors stay bounded. A short soak here; scripts/soak-target.sh
/// runs the full one (MECOM_SOAK_MIGRATIONS).
/// </summary>
[Collection(TimingSensitive.Name)]
public class SoakTests(ITestOutputHelper output)
{
    private static readonly byte[] Image = Corpora.SmallGuest[..(256 * 4096)];

    private static readonly MigrationSettings Settings = new() { Strategy = Strategy.Parse("mecom"), BandwidthBps = 10e9, StopRule = StopRuleKind.Xen };

    [Fact]
    public async Task One_target_serves_migrations_among_hostile_peers_and_stays_bounded()
    {
        int migrations = int.TryParse(Environment.GetEnvironmentVariable("MECOM_SOAK_MIGRATIONS"), out int n) && n > 0 ? n : 12;
        using var target = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mecom.dll"), "migrate", "target", "--listen", "127.0.0.1:0", "--workers", "2"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            string first = target.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the target printed nothing");
            var endpoint = IPEndPoint.Parse(first[(first.LastIndexOf(' ') + 1)..]);
            // The target's log is drained so it never blocks on a full pipe.
            _ = Task.Run(() => { while (target.StandardOutput.ReadLine() is not null) { } }, TestContext.Current.CancellationToken);
            var clock = Stopwatch.StartNew();
            (long Rss, int Fds) start = default;
            Task trickler = Task.CompletedTask;
            int trickles = 0;
            for (int i = 0; i < migrations; i++)
            {
                Assert.True(Migrate(endpoint), $"migration {i} was not exact");
                if (i == 0)
                {
                    start = Measure(target.Id);
                }

                // A trickling peer overlaps the migrations after it, one at a time (each holds one of the
                // target's 16 connections until its handshake deadline); the others run in between.
                if (i % 4 != 1)
                {
                    Hostile(endpoint, i % 4);
                }
                else if (trickler.IsCompleted)
                {
                    trickler = Task.Factory.StartNew(() => Hostile(endpoint, 1), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    trickles++;
                }

                Assert.False(target.HasExited, $"the target exited after migration {i}");
            }

            await trickler.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(Migrate(endpoint));
            (long Rss, int Fds) end = Measure(target.Id);
            string figures = $"soak: {migrations + 1} migrations exact, {migrations - (migrations + 2) / 4 + trickles} hostile peers ({trickles} trickling), {clock.Elapsed.TotalSeconds:F0} s; target RSS {start.Rss / 1024} -> {end.Rss / 1024} MiB, open fds {start.Fds} -> {end.Fds}";
            output.WriteLine(figures);
            if (Environment.GetEnvironmentVariable("MECOM_SOAK_REPORT") is { } report)
            {
                File.WriteAllText(report, figures + "\n");
            }

            Assert.False(target.HasExited);
            Assert.True(end.Rss < start.Rss + (512 << 10), figures);
            Assert.True(end.Fds < start.Fds + 32, figures);
        }
        finally
        {
            target.Kill();
            target.WaitForExit(5000);
        }
    }

    private static bool Migrate(IPEndPoint endpoint)
    {
        // The previous migration's session may still be ending on the target: a busy answer is retried.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using TcpClient client = EmulatedMigration.ConfigureSource(new TcpClient());
                client.Connect(endpoint);
                var guest = new GuestSpec("soak", Image, 4096, () => new SyntheticWorkload(Image, 4096, 2000, 64, 3));
                return EmulatedMigration.RunSource(client.GetStream(), guest, Settings).Exact;
            }
            catch (MigrationFailedException e) when (e.Message.Contains("busy") && attempt < 10)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>VmRSS in KiB and the number of open descriptors of process <paramref name="pid"/>.</summary>
    private static (long Rss, int Fds) Measure(int pid)
    {
        string rss = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return (long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]), Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length);
    }

    private static void Hostile(IPEndPoint endpoint, int kind)
    {
        try
        {
            using var client = new TcpClient();
            client.ReceiveTimeout = 10_000;
            client.Connect(endpoint);
            NetworkStream stream = client.GetStream();
            switch (kind)
            {
                case 0:
                    stream.Write(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096));
                    break;
                case 1:
                    // A byte every 400 ms: the handshake deadline cuts it, and migrations go on meanwhile.
                    for (int b = 0; b < 20; b++)
                    {
                        stream.WriteByte(Wire.Auth);
                        Thread.Sleep(400);
                    }

                    break;
                case 2:
                    Handshake(stream, HelloMessage.For(4096, 256, 64, 0, 1));
                    foreach (string spelling in Spellings().Take(3000))
                    {
                        Wire.Write(stream, Wire.Frame, HardeningTests.EmptyFrame(spelling));
                    }

                    break;
                default:
                    Handshake(stream, HelloMessage.For(32768, 1, 65536, 0));
                    Span<byte> head = stackalloc byte[Wire.HeaderBytes];
                    head[0] = Wire.Frame;
                    BinaryPrimitives.WriteUInt32LittleEndian(head[1..], 0x7FFFFFFF);
                    stream.Write(head);
                    break;
            }

            while (stream.Read(new byte[4096]) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The target ended the session: what a hostile peer should see.
        }
    }

    private static void Handshake(NetworkStream stream, HelloMessage hello)
    {
        Wire.TryRead(stream, 64, out _, out _, out _);
        Wire.Write(stream, Wire.Auth, new byte[1 + Wire.NonceBytes]);
        TargetPeer.Answer(stream);
        Wire.Write(stream, Wire.Hello, hello.ToPayload());
    }

    /// <summary>deflate:1 spelled every way the parser took before: case, spaces, leading zeros.</summary>
    private static IEnumerable<string> Spellings()
    {
        for (int zeros = 0; ; zeros++)
        {
            foreach (string name in new[] { "deflate", "DEFLATE", "Deflate", "zlib", "ZLIB" })
            {
                yield return $"{name}:{new string('0', zeros % 200)}1";
                yield return $" {name}:{new string('0', zeros % 200)}1 ";
            }
        }
    }
}
