using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using Mecom.Codecs.Framing;

namespace Mecom.Harness.Bridge;

/// <summary>
/// The target side: takes the source bridge's one connection, opens a connection to the target QEMU for
/// each of the source's (in the same order: QEMU 7.2 tells main from multifd channels by arrival),
/// rebuilds each stream byte for byte (a page whose hash fails is never forwarded: the connection to
/// QEMU is cut before it), and relays what the target QEMU writes back, raw.
/// </summary>
public sealed class TargetBridge : IDisposable
{
    /// <summary>
    /// Messages waiting per connection to the target QEMU. A write blocked on one connection must not
    /// stop the others (multifd's channels wait for each other at every sync), so each has its own queue
    /// and writer; 16 messages of at most a batch each is a few MB at worst, about 1 MB in practice.
    /// </summary>
    public const int QueueDepth = 16;

    private readonly TcpListener listener;
    private readonly IPEndPoint to;
    private readonly TimeSpan maxDuration;
    private readonly object reply = new();

    public TargetBridge(IPEndPoint listen, IPEndPoint to, TimeSpan? maxDuration = null)
    {
        this.to = to;
        this.maxDuration = maxDuration ?? TimeSpan.FromMinutes(10);
        listener = new TcpListener(listen);
        listener.Start(backlog: 1);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)listener.LocalEndpoint;

    /// <summary>Serves one migration from the source bridge.</summary>
    public BridgeReport Run(CancellationToken cancel = default)
    {
        var report = new BridgeReport { Role = "target" };
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(maxDuration);
        // Polled, not awaited, for the same reason as the source bridge's accept.
        var deadline = Stopwatch.StartNew();
        while (!listener.Server.Poll(200_000, SelectMode.SelectRead))
        {
            if (deadline.Elapsed > maxDuration || cancel.IsCancellationRequested)
            {
                report.Error = $"no source bridge connected within {maxDuration.TotalSeconds:0} s";
                return report;
            }
        }

        Socket peer = listener.AcceptSocket();
        BridgeOptions.Configure(peer);
        var channels = new Dictionary<int, Output>();
        using var stream = new NetworkStream(peer, ownsSocket: true);
        using var registration = timeout.Token.Register(stream.Dispose);
        try
        {
            while (BridgeWire.Read(stream) is { } message)
            {
                report.WireBytes += BridgeWire.HeaderBytes + message.Payload.Length;
                if (message.Type == BridgeMessage.Open)
                {
                    if (channels.ContainsKey(message.Channel) || message.Channel != channels.Count)
                    {
                        throw new BridgeWireException($"channel {message.Channel} opened out of order");
                    }

                    if (channels.Count == 0)
                    {
                        clock.Restart();
                    }

                    var channelReport = new ChannelReport { Channel = message.Channel };
                    report.Channels.Add(channelReport);
                    channels[message.Channel] = new Output(this, message.Channel, Connect(), stream, channelReport);
                    continue;
                }

                if (message.Type is BridgeMessage.Result || !channels.TryGetValue(message.Channel, out Output? output))
                {
                    throw new BridgeWireException($"a {message.Type} message for channel {message.Channel}, which is not open here");
                }

                output.Add(message.Type, message.Offset, message.Payload);
            }
        }
        catch (Exception e) when (e is BridgeWireException or IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            report.Error = timeout.IsCancellationRequested ? $"the migration did not end within {maxDuration.TotalSeconds:0} s" : e.Message;
        }

        foreach (Output output in channels.Values)
        {
            output.Complete(maxDuration);
        }

        report.ElapsedMs = clock.Elapsed.TotalMilliseconds;
        return report;
    }

    private Socket Connect()
    {
        var qemu = new Socket(SocketType.Stream, ProtocolType.Tcp);
        BridgeOptions.Configure(qemu);
        try
        {
            qemu.Connect(to);
        }
        catch (SocketException e)
        {
            qemu.Dispose();
            throw new IOException($"cannot connect to the target QEMU at {to}: {e.Message}");
        }

        return qemu;
    }

    private void Reply(NetworkStream stream, BridgeMessage type, int channel, long offset, ReadOnlySpan<byte> payload)
    {
        lock (reply)
        {
            byte[] header = new byte[BridgeWire.HeaderBytes];
            BridgeWire.WriteHeader(header, type, channel, offset, payload.Length);
            stream.Write(header);
            stream.Write(payload);
        }
    }

    /// <summary>One connection to the target QEMU: its queue, its writer, and the relay of what QEMU writes back.</summary>
    private sealed class Output
    {
        private readonly TargetBridge bridge;
        private readonly int channel;
        private readonly Socket qemu;
        private readonly NetworkStream peer;
        private readonly ChannelReport report;
        private readonly BlockingCollection<(BridgeMessage Type, long Offset, byte[] Payload)> queue = new(QueueDepth);
        private readonly Thread writer;
        private readonly Thread reverse;
        private readonly XxHash128 hash = new();
        private readonly BatchDecompressor decoder = new(workers: 1);
        private readonly byte[] pages = new byte[512 * QemuStreamFormat.PageSize];

        public Output(TargetBridge bridge, int channel, Socket qemu, NetworkStream peer, ChannelReport report)
        {
            this.bridge = bridge;
            this.channel = channel;
            this.qemu = qemu;
            this.peer = peer;
            this.report = report;
            writer = new Thread(Write) { IsBackground = true, Name = $"bridge target {channel}" };
            reverse = new Thread(Reverse) { IsBackground = true, Name = $"bridge target reverse {channel}" };
            writer.Start();
            reverse.Start();
        }

        public void Add(BridgeMessage type, long offset, byte[] payload) => queue.Add((type, offset, payload));

        public void Complete(TimeSpan wait)
        {
            queue.CompleteAdding();
            writer.Join(wait);
            reverse.Join(TimeSpan.FromSeconds(5));
            qemu.Dispose();
            decoder.Dispose();
        }

        private void Write()
        {
            string? note = null;
            bool closed = false;
            try
            {
                foreach (var (type, offset, payload) in queue.GetConsumingEnumerable())
                {
                    if (offset != report.StreamBytes)
                    {
                        throw new BridgeWireException($"a {type} message at stream offset {offset}, where {report.StreamBytes} was due: a message was lost, repeated or reordered");
                    }

                    switch (type)
                    {
                        case BridgeMessage.Raw:
                            Forward(payload);
                            break;
                        case BridgeMessage.Pages:
                            ForwardPages(payload);
                            break;
                        case BridgeMessage.Close:
                            var (length, sourceHash, sourceNote) = BridgeWire.ReadSummary(payload);
                            report.PeerBytes = length;
                            report.PeerHash = BridgeReport.Hex(sourceHash);
                            note = sourceNote is null ? null : $"source bridge: {sourceNote}";
                            closed = true;
                            break;
                        default:
                            throw new BridgeWireException($"a {type} message on channel {channel}");
                    }

                    if (closed)
                    {
                        break;
                    }
                }

                if (!closed)
                {
                    note = "the source bridge's connection ended before this stream's end";
                }
            }
            catch (Exception e) when (e is BridgeWireException or FrameFormatException or Codecs.CorruptPageException or Codecs.Hashing.PageMismatchException or IOException or SocketException or ObjectDisposedException)
            {
                note = $"channel {channel}: {e.Message}; nothing after it was forwarded";
            }

            report.Error = note;
            report.StreamHash = BridgeReport.Hex(hash.GetCurrentHashAsUInt128());
            try
            {
                qemu.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }

            try
            {
                bridge.Reply(peer, BridgeMessage.Result, channel, 0, BridgeWire.Summary(report.StreamBytes, hash.GetCurrentHashAsUInt128(), note));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                report.Error ??= $"cannot answer the source bridge: {e.Message}";
            }

            // After the answer, so the source hears of a failure at once; drained so the reader never
            // blocks on this queue again.
            foreach (var _ in queue.GetConsumingEnumerable())
            {
            }
        }

        private void Forward(ReadOnlySpan<byte> bytes)
        {
            qemu.Send(bytes);
            report.StreamEndedAt = DateTimeOffset.UtcNow;
            hash.Append(bytes);
            report.StreamBytes += bytes.Length;
        }

        /// <summary>Checks the whole batch before forwarding any of it: every prefix in bounds, the frame's pages 0..N-1 in order, every hash.</summary>
        private void ForwardPages(byte[] payload)
        {
            if (payload.Length < 4)
            {
                throw new BridgeWireException("a Pages message shorter than its count");
            }

            int count = BinaryPrimitives.ReadInt32BigEndian(payload);
            if (count is < 1 or > 512)
            {
                throw new BridgeWireException($"a Pages message of {count} pages");
            }

            var prefixes = new (int At, int Length)[count];
            long at = 4;
            for (int i = 0; i < count; i++)
            {
                if (at + 4 > payload.Length)
                {
                    throw new BridgeWireException($"page {i}'s prefix runs past the message");
                }

                int length = BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan((int)at));
                if (length < 0 || at + 4 + length > payload.Length)
                {
                    throw new BridgeWireException($"page {i}'s prefix of {length} bytes runs past the message");
                }

                prefixes[i] = ((int)at + 4, length);
                at += 4 + length;
            }

            ReadOnlySpan<byte> frame = payload.AsSpan((int)at);
            BatchFrame.Header header = BatchFrame.ReadHeader(frame);
            if (header.Pages != count || header.PageSize != QemuStreamFormat.PageSize)
            {
                throw new BridgeWireException($"a frame of {header.Pages} pages of {header.PageSize} bytes for {count} QEMU pages");
            }

            int record = header.Length;
            for (int i = 0; i < count; i++)
            {
                var r = BatchFrame.ReadRecordHeader(frame, record, i, count);
                // Every slot decoded exactly once, and no delta (it would apply to whatever the slot last held).
                if (r.Index != (ulong)i || r.Kind == BatchFrame.KindDelta || r.Length > (uint)(frame.Length - record - BatchFrame.RecordHeaderBytes))
                {
                    throw new BridgeWireException($"frame record {i} is page {r.Index}, kind {r.Kind}, {r.Length} bytes: not slot {i} of the batch");
                }

                record += BatchFrame.RecordHeaderBytes + (int)r.Length;
            }

            Span<byte> memory = pages.AsSpan(0, count * QemuStreamFormat.PageSize);
            decoder.Decompress(frame, memory);
            for (int i = 0; i < count; i++)
            {
                Forward(payload.AsSpan(prefixes[i].At, prefixes[i].Length));
                Forward(memory.Slice(i * QemuStreamFormat.PageSize, QemuStreamFormat.PageSize));
            }
        }

        private void Reverse()
        {
            byte[] buffer = new byte[64 * 1024];
            try
            {
                int n;
                while ((n = qemu.Receive(buffer)) > 0)
                {
                    bridge.Reply(peer, BridgeMessage.Raw, channel, report.ReverseBytes, buffer.AsSpan(0, n));
                    report.ReverseBytes += n;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
            {
                // The target QEMU closed, or the session is over; nothing more comes back.
            }
        }
    }

    public void Dispose() => listener.Stop();
}
