using System.Net.Sockets;

namespace Mecom.Harness.Migration.Emulator;

/// <summary>
/// The accept loop of <c>mecom migrate target</c>: every connection is served on its own thread, so a
/// peer that is slow to authenticate never holds the loop; the target itself runs one migration at a time
/// and tells a second source it is busy.
/// </summary>
/// <remarks>
/// Found against the target: served one connection after another, an idle peer held it 60 s and one
/// byte every 25 s kept it 175 s, while a real source gave up after 3 s.
/// </remarks>
public sealed class TargetServer(MigrationTarget target, TcpListener listener, int maxConnections = TargetServer.DefaultMaxConnections)
{
    /// <summary>Connections served at once (handshakes in progress and the migration); beyond, a peer is told busy at once.</summary>
    /// <remarks>A second source is told after its hello, within <see cref="MigrationTarget.BusyGraceMs"/>.</remarks>
    public const int DefaultMaxConnections = 16;

    private int open;

    /// <summary>
    /// Serves <paramref name="sessions"/> connections (0: until <paramref name="stop"/>), reporting each with
    /// <paramref name="log"/>; returns the number that did not end in an exact migration.
    /// </summary>
    public int Run(int sessions, Action<string> log, CancellationToken stop = default)
    {
        int failures = 0;
        var running = new List<Task>();
        using CancellationTokenRegistration onStop = stop.Register(listener.Stop);
        for (int served = 0; (sessions == 0 || served < sessions) && !stop.IsCancellationRequested;)
        {
            TcpClient client;
            try
            {
                client = EmulatedMigration.ConfigureTarget(listener.AcceptTcpClient());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                // A connection reset before it was accepted, or the process out of descriptors: the next one may work.
                log($"mecom target: accept failed: {e.Message}");
                Thread.Sleep(50);
                continue;
            }

            if (Interlocked.Increment(ref open) > maxConnections)
            {
                Interlocked.Decrement(ref open);
                Refuse(client);
                continue;
            }

            served++;
            running.RemoveAll(t => t.IsCompleted);
            running.Add(Task.Factory.StartNew(() =>
            {
                try
                {
                    using (client)
                    {
                        string from = client.Client.RemoteEndPoint?.ToString() ?? "?";
                        TargetReport report = target.Serve(client.GetStream());
                        if (report.Error is not null || !report.Exact)
                        {
                            Interlocked.Increment(ref failures);
                        }

                        log(report.Error is null
                            ? $"mecom target: session from {from}: {report.PagesApplied:N0} pages verified, memory exact: {report.Exact}"
                            : $"mecom target: session from {from} failed: {report.Error}");
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref open);
                }
            }, TaskCreationOptions.LongRunning));
        }

        Task.WaitAll(running.ToArray());
        return failures;
    }

    private static void Refuse(TcpClient client)
    {
        using (client)
        {
            try
            {
                Wire.WriteError(client.GetStream(), MigrationTarget.BusyMessage);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The peer left first.
            }
        }
    }
}
