using System.Net.Sockets;

namespace Mecom.Harness.Migration.Emulator;

/// <summary>
/// Ends a session's blocked read from another thread, with the reason the session then reports: the
/// handshake's deadline passing, or a decoding thread failing while the reader waits for the next message.
/// </summary>
/// <remarks>
/// A read blocked on a socket wakes only when the socket does something: shutting its receiving side down
/// makes the read return end-of-stream, while the sending side stays open for the Error message. Found
/// against the target: a frame that failed to decode was only reported when the source sent its next
/// message, or 60 s later as "the source closed the connection".
/// </remarks>
public sealed class ConnectionGuard(Stream connection)
{
    private string? reason;

    /// <summary>Why the session was ended from outside, or null.</summary>
    public string? Reason => Volatile.Read(ref reason);

    /// <summary>Records <paramref name="why"/> (the first reason wins) and wakes the session's reader.</summary>
    public void Abort(string why)
    {
        if (Interlocked.CompareExchange(ref reason, why, null) is not null)
        {
            return;
        }

        try
        {
            if (connection is NetworkStream network)
            {
                network.Socket.Shutdown(SocketShutdown.Receive);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is already gone; the reader wakes on its own.
        }
    }

    /// <summary>A timer that aborts the session with <paramref name="why"/> unless disposed within <paramref name="ms"/>.</summary>
    public Timer Deadline(int ms, string why) => new(_ => Abort(why), null, ms, Timeout.Infinite);
}
