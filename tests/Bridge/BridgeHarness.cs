using System.Net;
using System.Net.Sockets;
using Mecom.Harness.Bridge;

namespace Mecom.Tests.Bridge;

/// <summary>
/// Source QEMU -> source bridge -> link -> target bridge -> target QEMU, all on loopback in this process,
/// with the QEMUs played by sockets that write a recorded stream and read what arrives.
/// </summary>
public static class BridgeHarness
{
    /// <summary>A thread of its own: everything here blocks on sockets, and pool threads come only slowly once all are blocked.</summary>
    public static Task Spawn(Action work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static Task<T> Spawn<T>(Func<T> work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public sealed record Result(BridgeReport Source, BridgeReport Target, byte[][] Received, byte[][] Reverse);

    /// <summary>Runs the streams through the bridges, one connection each, opened in order.</summary>
    public static Result Run(byte[][] streams, BridgeOptions options, Func<IPEndPoint, (IPEndPoint Endpoint, IDisposable? Stop)>? between = null, byte[]? reply = null)
    {
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        using var fakeTarget = new TcpListener(loopback);
        fakeTarget.Start();
        var received = new byte[streams.Length][];
        var targetSide = Spawn(() =>
        {
            var readers = new List<Task>();
            for (int i = 0; i < streams.Length; i++)
            {
                int slot = i;
                Socket s = fakeTarget.AcceptSocket();
                readers.Add(Spawn(() =>
                {
                    using var ns = new NetworkStream(s, ownsSocket: true);
                    if (reply is not null)
                    {
                        ns.Write(reply);
                    }

                    using var all = new MemoryStream();
                    ns.CopyTo(all);
                    received[slot] = all.ToArray();
                }));
            }

            Task.WaitAll(readers.ToArray());
        });

        using var target = new TargetBridge(loopback, (IPEndPoint)fakeTarget.LocalEndpoint, TimeSpan.FromSeconds(60));
        var targetRun = Spawn(() => target.Run());
        var (peer, stop) = between?.Invoke(target.LocalEndPoint) ?? (target.LocalEndPoint, null);
        using var source = new SourceBridge(loopback, peer, options with { MaxDuration = TimeSpan.FromSeconds(60) });
        var sourceRun = Spawn(() => source.Run());
        var reverse = new byte[streams.Length][];
        var sockets = streams.Select(_ => { var c = new TcpClient(); c.Connect(source.LocalEndPoint); return c; }).ToArray();
        var writers = streams.Select((stream, i) => Spawn(() =>
        {
            NetworkStream ns = sockets[i].GetStream();
            var reader = Spawn(() =>
            {
                using var back = new MemoryStream();
                ns.CopyTo(back);
                reverse[i] = back.ToArray();
            });
            // Uneven writes, so records straddle reads as they do from a real socket.
            var rng = new Random(i);
            for (int at = 0; at < stream.Length;)
            {
                int n = Math.Min(stream.Length - at, rng.Next(1, 70_000));
                ns.Write(stream, at, n);
                at += n;
            }

            sockets[i].Client.Shutdown(SocketShutdown.Send);
            reader.Wait(TimeSpan.FromSeconds(60));
        })).ToArray();
        Assert.True(Task.WaitAll(writers, TimeSpan.FromSeconds(90)), "the source QEMUs did not finish");
        Assert.True(sourceRun.Wait(TimeSpan.FromSeconds(90)), "the source bridge did not finish");
        Assert.True(targetRun.Wait(TimeSpan.FromSeconds(90)), "the target bridge did not finish");
        targetSide.Wait(TimeSpan.FromSeconds(30));
        foreach (TcpClient c in sockets)
        {
            c.Dispose();
        }

        stop?.Dispose();
        return new Result(sourceRun.Result, targetRun.Result, received.Select(r => r ?? []).ToArray(), reverse);
    }
}

/// <summary>Sits between the bridges and changes their messages, to show what the target bridge does with damage.</summary>
public sealed class TamperProxy : IDisposable
{
    private readonly TcpListener listener = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly Thread thread;

    public TamperProxy(IPEndPoint target, Func<BridgeMessage, byte[], int, byte[]?> tamper)
    {
        listener.Start();
        thread = new Thread(() =>
        {
            using Socket from = listener.AcceptSocket();
            using var to = new TcpClient();
            to.Connect(target);
            using var input = new NetworkStream(from);
            NetworkStream output = to.GetStream();
            var back = BridgeHarness.Spawn(() => { try { output.CopyTo(input); } catch (IOException) { } });
            int n = 0;
            try
            {
                while (BridgeWire.Read(input) is { } m)
                {
                    byte[]? payload = tamper(m.Type, m.Payload, n++);
                    if (payload is not null)
                    {
                        output.Write(BridgeWire.Message(m.Type, m.Channel, m.Offset, payload));
                    }
                }
            }
            catch (IOException)
            {
            }

            to.Client.Shutdown(SocketShutdown.Send);
            back.Wait(TimeSpan.FromSeconds(30));
        }) { IsBackground = true };
        thread.Start();
    }

    public IPEndPoint Endpoint => (IPEndPoint)listener.LocalEndpoint;

    public void Dispose()
    {
        thread.Join(TimeSpan.FromSeconds(30));
        listener.Stop();
    }
}
