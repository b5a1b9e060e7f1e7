using System.Net.Sockets;

namespace Mecom.Harness.Bridge;

/// <summary>
/// The one emulated link every QEMU connection of a migration shares: whole messages, one at a time,
/// paced by the project's link emulator onto the connection to the target bridge.
/// </summary>
internal sealed class BridgeLink : IDisposable
{
    private readonly object gate = new();
    private readonly LinkEmulator link;
    private readonly byte[] header = new byte[BridgeWire.HeaderBytes];

    public BridgeLink(NetworkStream stream, double bitsPerSecond, double latencyMs)
    {
        link = new LinkEmulator(stream, bitsPerSecond, latencyMs);
    }

    public long BytesSent
    {
        get
        {
            lock (gate)
            {
                return link.BytesSent;
            }
        }
    }

    public void Send(byte[] message)
    {
        lock (gate)
        {
            link.Write(message);
        }
    }

    public void Send(BridgeMessage type, int channel, long offset, ReadOnlySpan<byte> payload)
    {
        lock (gate)
        {
            BridgeWire.WriteHeader(header, type, channel, offset, payload.Length);
            link.Write(header);
            link.Write(payload);
        }
    }

    public void Flush()
    {
        lock (gate)
        {
            link.Flush();
        }
    }

    public void Dispose() => link.Dispose();
}
