using System.Diagnostics;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;

namespace Mecom.Harness.Bridge;

/// <summary>
/// The source side: accepts the source QEMU's migration connections (main, and multifd's channels),
/// carries each over the one emulated link to the target bridge (pages encoded, or every byte raw for
/// pass-through), relays the target's bytes back, and reports, per connection, whether the target QEMU
/// read exactly the stream this QEMU wrote.
/// </summary>
public sealed class SourceBridge : IDisposable
{
    private readonly TcpListener listener;
    private readonly IPEndPoint to;
    private readonly BridgeOptions options;
    private readonly Dictionary<int, (Socket Qemu, ChannelReport Report, TaskCompletionSource Done)> channels = [];
    private readonly Action<string>? log;

    public SourceBridge(IPEndPoint listen, IPEndPoint to, BridgeOptions options, Action<string>? log = null)
    {
        this.to = to;
        this.options = options;
        this.log = log;
        listener = new TcpListener(listen);
        listener.Start(backlog: 8);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)listener.LocalEndpoint;

    /// <summary>Serves one migration: returns when every connection QEMU opened has closed and been answered for.</summary>
    public BridgeReport Run(CancellationToken cancel = default)
    {
        var report = new BridgeReport { Role = "source", Strategy = options.StrategyName, BandwidthBps = options.BitsPerSecond };
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(options.MaxDuration);
        using var peer = new Socket(SocketType.Stream, ProtocolType.Tcp);
        BridgeOptions.Configure(peer);
        try
        {
            peer.Connect(to);
        }
        catch (SocketException e)
        {
            throw new Migration.Emulator.MigrationFailedException($"cannot connect to the target bridge at {to}: {e.Message}");
        }

        using var stream = new NetworkStream(peer, ownsSocket: false);
        using var link = new BridgeLink(stream, options.BitsPerSecond, options.LatencyMs);
        using var registration = timeout.Token.Register(() => { listener.Stop(); peer.Dispose(); });
        var reverse = new Thread(() => Reverse(stream, report)) { IsBackground = true, Name = "bridge reverse" };
        reverse.Start();
        var running = new List<Thread>();
        bool served = false;
        try
        {
            // The first connection is main; multifd's follow it. The migration is over once every open
            // connection is answered and none has arrived for a moment after the last one closed.
            while (!timeout.IsCancellationRequested && running.Count < BridgeWire.MaxChannels && !served)
            {
                // Polled, not awaited: every other thread here blocks on a socket, and an await's
                // continuation would wait for a pool thread.
                while (!listener.Server.Poll(200_000, SelectMode.SelectRead) && !served && !timeout.IsCancellationRequested)
                {
                    served = running.Count > 0 && AllDone();
                }

                if (served || timeout.IsCancellationRequested)
                {
                    break;
                }

                Socket qemu = listener.AcceptSocket();
                BridgeOptions.Configure(qemu);
                int channel = running.Count;
                if (channel == 0)
                {
                    clock.Restart();
                }

                var channelReport = new ChannelReport { Channel = channel };
                lock (channels)
                {
                    channels[channel] = (qemu, channelReport, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                    report.Channels.Add(channelReport);
                }

                log?.Invoke($"connection {channel} from {qemu.RemoteEndPoint}");
                link.Send(BridgeMessage.Open, channel, 0, []);
                var thread = new Thread(() => Carry(channel, qemu, channelReport, link)) { IsBackground = true, Name = $"bridge channel {channel}" };
                thread.Start();
                running.Add(thread);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or IOException)
        {
            report.Error ??= timeout.IsCancellationRequested ? $"the migration did not end within {options.MaxDuration.TotalSeconds:0} s" : e.Message;
        }

        if (timeout.IsCancellationRequested)
        {
            report.Error ??= $"the migration did not end within {options.MaxDuration.TotalSeconds:0} s";
        }

        foreach (Thread t in running)
        {
            t.Join(options.MaxDuration);
        }

        Task.WaitAll(channels.Values.Select(c => c.Done.Task).ToArray(), TimeSpan.FromSeconds(30));
        // A clean end: the target bridge sees the end of the connection between messages, finishes, and
        // closes its side, which ends the reverse reader.
        try
        {
            peer.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        reverse.Join(TimeSpan.FromSeconds(30));
        report.WireBytes = link.BytesSent;
        report.ElapsedMs = clock.Elapsed.TotalMilliseconds;
        foreach (var c in channels.Values)
        {
            c.Qemu.Dispose();
        }

        return report;
    }

    private bool AllDone()
    {
        lock (channels)
        {
            return channels.Values.All(c => c.Done.Task.IsCompleted);
        }
    }

    private void Carry(int channel, Socket qemu, ChannelReport report, BridgeLink link)
    {
        using var sender = new OrderedSender(link, options.QueueDepth);
        using var socket = new NetworkStream(qemu, ownsSocket: false);
        using var input = new TimedReads(socket);
        long length = 0;
        UInt128 hash = default;
        string? note = null;
        try
        {
            if (options.Codec is null)
            {
                var hasher = new XxHash128();
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = input.Read(buffer)) > 0)
                {
                    hasher.Append(buffer.AsSpan(0, n));
                    sender.Add(Task.FromResult(BridgeWire.Message(BridgeMessage.Raw, channel, length, buffer.AsSpan(0, n))));
                    length += n;
                }

                hash = hasher.GetCurrentHashAsUInt128();
            }
            else
            {
                var pool = new EncoderPool(options.Codec, options.BatchPages);
                var batcher = new PageBatcher(channel, pool, sender);
                try
                {
                    QemuStreamCounts counts = new QemuStreamParser(input, batcher).Run();
                    report.ZeroPages = counts.ZeroPages;
                    report.NormalPages = counts.NormalPages;
                    report.PassThrough = counts.PassThrough;
                    if (counts.PassThrough is not null)
                    {
                        log?.Invoke($"connection {channel}: {counts.PassThrough}");
                    }
                }
                finally
                {
                    batcher.Flush();
                    length = batcher.Length;
                    hash = batcher.Hash;
                }
            }
        }
        catch (Exception e) when (e is QemuStreamException or IOException or SocketException or ObjectDisposedException)
        {
            note = e.Message;
            report.Error = e.Message;
        }

        report.StreamBytes = length;
        report.StreamEndedAt = input.LastByteAt;
        report.StreamHash = BridgeReport.Hex(hash);
        try
        {
            sender.Add(Task.FromResult(BridgeWire.Message(BridgeMessage.Close, channel, length, BridgeWire.Summary(length, hash, note))));
            sender.Complete();
            link.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            report.Error ??= e.Message;
            Finish(channel);
        }
    }

    private void Reverse(NetworkStream stream, BridgeReport report)
    {
        try
        {
            while (BridgeWire.Read(stream) is { } message)
            {
                (Socket Qemu, ChannelReport Report, TaskCompletionSource Done) c;
                lock (channels)
                {
                    if (!channels.TryGetValue(message.Channel, out c))
                    {
                        throw new BridgeWireException($"the target bridge sent a {message.Type} for channel {message.Channel}, which is not open");
                    }
                }

                switch (message.Type)
                {
                    case BridgeMessage.Raw when message.Offset == c.Report.ReverseBytes:
                        c.Report.ReverseBytes += message.Payload.Length;
                        c.Qemu.Send(message.Payload);
                        break;
                    case BridgeMessage.Result:
                        var (length, hash, note) = BridgeWire.ReadSummary(message.Payload);
                        c.Report.PeerBytes = length;
                        c.Report.PeerHash = BridgeReport.Hex(hash);
                        if (note is not null)
                        {
                            c.Report.Error ??= $"target bridge: {note}";
                        }

                        Finish(message.Channel);
                        break;
                    default:
                        throw new BridgeWireException($"the target bridge sent a {message.Type} message, which only goes the other way");
                }
            }
        }
        catch (Exception e) when (e is BridgeWireException or IOException or SocketException or ObjectDisposedException)
        {
            report.Error ??= $"the connection to the target bridge failed: {e.Message}";
        }

        lock (channels)
        {
            foreach (int channel in channels.Keys)
            {
                Finish(channel);
            }
        }
    }

    private void Finish(int channel)
    {
        lock (channels)
        {
            if (channels.TryGetValue(channel, out var c))
            {
                c.Done.TrySetResult();
                // The source QEMU may be waiting for the return path to close (return-path's SHUT); it closes now.
                try
                {
                    c.Qemu.Shutdown(SocketShutdown.Send);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
        }
    }

    public void Dispose() => listener.Stop();
}
