using System.Net;
using System.Net.Sockets;

namespace Mecom.Tests.Support;

/// <summary>
/// A TCP proxy between a migration source and target that breaks the link on cue: after a number of bytes
/// from the source it drops the connection, stops reading (a target that stops reading), or closes only the
/// target's side (the source killed mid-round, as the target sees it).
/// </summary>
public sealed class FaultProxy : IDisposable
{
    public enum Fault
    {
        None,
        DropBoth,
        StopReading,
        CloseTargetSide,
        DropTargetToSource,

        /// <summary>Flips the lowest bit of the source's byte at offset afterBytes and forwards the rest untouched.</summary>
        FlipByte,
    }

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Task pump;

    public FaultProxy(IPEndPoint target, Fault fault, long afterBytes)
    {
        listener.Start();
        pump = Task.Run(async () =>
        {
            using TcpClient source = await listener.AcceptTcpClientAsync();
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(target);
            NetworkStream fromSource = source.GetStream();
            NetworkStream toTarget = upstream.GetStream();
            Task back = CopyAsync(toTarget, fromSource, fault == Fault.DropTargetToSource ? afterBytes : long.MaxValue, () => { source.Close(); upstream.Close(); });
            long forwarded = 0;
            byte[] buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    bool cutsForward = fault is Fault.DropBoth or Fault.StopReading or Fault.CloseTargetSide;
                    int room = cutsForward ? (int)Math.Min(buffer.Length, Math.Max(1, afterBytes - forwarded)) : buffer.Length;
                    int n = await fromSource.ReadAsync(buffer.AsMemory(0, room));
                    if (n == 0)
                    {
                        break;
                    }

                    if (fault == Fault.FlipByte && afterBytes >= forwarded && afterBytes < forwarded + n)
                    {
                        buffer[afterBytes - forwarded] ^= 0x01;
                    }

                    await toTarget.WriteAsync(buffer.AsMemory(0, n));
                    forwarded += n;
                    if (fault is not (Fault.None or Fault.DropTargetToSource or Fault.FlipByte) && forwarded >= afterBytes)
                    {
                        switch (fault)
                        {
                            case Fault.DropBoth:
                                source.Client.LingerState = new LingerOption(true, 0);
                                source.Close();
                                upstream.Close();
                                return;
                            case Fault.CloseTargetSide:
                                upstream.Client.LingerState = new LingerOption(true, 0);
                                upstream.Close();
                                await Task.Delay(Timeout.Infinite, Stopped.Token);
                                return;
                            case Fault.StopReading:
                                // Keep both connections open and read nothing more: the source's writes stall.
                                await Task.Delay(Timeout.Infinite, Stopped.Token);
                                return;
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
            {
            }

            await back.ContinueWith(_ => { });
        });
    }

    public IPEndPoint EndPoint => (IPEndPoint)listener.LocalEndpoint;

    private CancellationTokenSource Stopped { get; } = new();

    private static async Task CopyAsync(Stream from, Stream to, long limit, Action drop)
    {
        byte[] buffer = new byte[4096];
        long copied = 0;
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer)) > 0)
            {
                if (copied + n > limit)
                {
                    drop();
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, n));
                copied += n;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        Stopped.Cancel();
        listener.Stop();
        try
        {
            pump.Wait(5000);
        }
        catch (AggregateException)
        {
        }

        Stopped.Dispose();
    }
}
