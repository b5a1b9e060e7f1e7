using System.Net;
using System.Net.Sockets;

namespace Mecom.Tests.Support;

/// <summary>A hostile peer's end of a connection to a target that serves it one session, in this process.</summary>
public static class TargetPeer
{
    /// <summary>
    /// A target serving one connection, with <paramref name="limits"/>; the peer's stream after the target's
    /// (token-less) challenge is answered and its <c>AuthOk</c> read, unless <paramref name="answer"/> is false.
    /// </summary>
    public static (NetworkStream Stream, Task<TargetReport> Served, TcpClient Client) Connect(TargetLimits? limits = null, bool answer = true)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var served = Task.Run(() =>
        {
            using TcpClient accepted = EmulatedMigration.ConfigureTarget(listener.AcceptTcpClient());
            listener.Stop();
            return new MigrationTarget(2, limits).Serve(accepted.GetStream());
        });
        var client = new TcpClient();
        client.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        NetworkStream stream = client.GetStream();
        if (answer)
        {
            if (!Wire.TryRead(stream, 64, out byte type, out _, out int n) || (type, n) != (Wire.Challenge, ChallengeMessage.Bytes))
            {
                throw new InvalidOperationException($"the target sent message type 0x{type:x2} of {n} bytes where a challenge was due");
            }

            Wire.Write(stream, Wire.Auth, new byte[1 + Wire.NonceBytes]);
            if (Answer(stream) is var (ok, _) && ok != Wire.AuthOk)
            {
                throw new InvalidOperationException($"the target sent message type 0x{ok:x2} where AuthOk was due");
            }
        }

        return (stream, served, client);
    }

    /// <summary>The target's next message other than a progress report.</summary>
    public static (byte Type, string Text) Answer(NetworkStream stream)
    {
        while (Wire.TryRead(stream, Wire.MaxErrorBytes, out byte type, out byte[] buffer, out int n))
        {
            if (type != Wire.Progress)
            {
                return (type, System.Text.Encoding.UTF8.GetString(buffer, 0, n));
            }
        }

        return (0, "");
    }
}
