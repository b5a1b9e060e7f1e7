using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mecom.Harness.Qemu;

/// <summary>
/// A minimal QEMU Machine Protocol client over a unix socket: JSON objects one per line; asynchronous
/// events that arrive while a command waits for its reply are kept, with QEMU's timestamp, in <see cref="Events"/>.
/// </summary>
public sealed class QmpClient : IDisposable
{
    private readonly Socket socket;
    private readonly StreamReader reader;
    private readonly StreamWriter writer;

    public QmpClient(string socketPath)
    {
        socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ArgumentException($"cannot connect to QMP socket {socketPath}: {e.Message}");
        }

        var stream = new NetworkStream(socket, ownsSocket: false);
        reader = new StreamReader(stream, Encoding.UTF8);
        writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        _ = reader.ReadLine() ?? throw new InvalidOperationException("QMP closed before its greeting");
        Execute("qmp_capabilities");
    }

    /// <summary>Every event read so far, in order.</summary>
    public List<QmpEvent> Events { get; } = [];

    public JsonNode? Execute(string command, object? arguments = null)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            request["arguments"] = JsonSerializer.SerializeToNode(arguments);
        }

        writer.WriteLine(request.ToJsonString());
        while (true)
        {
            string line = reader.ReadLine() ?? throw new InvalidOperationException($"QMP closed while waiting for '{command}'");
            JsonNode? reply = JsonNode.Parse(line);
            if (reply?["return"] is { } result)
            {
                return result;
            }

            if (reply?["error"] is { } error)
            {
                throw new InvalidOperationException($"QMP '{command}' failed: {error.ToJsonString()}");
            }

            if (reply?["event"]?.GetValue<string>() is { } name && reply["timestamp"] is { } stamp)
            {
                // QEMU stamps events with the host's real-time clock: one clock for every QEMU on the host.
                long ticks = (stamp["seconds"]!.GetValue<long>() * TimeSpan.TicksPerSecond) + (stamp["microseconds"]!.GetValue<long>() * TimeSpan.TicksPerMicrosecond);
                Events.Add(new QmpEvent(name, DateTimeOffset.UnixEpoch.AddTicks(ticks), reply["data"]));
            }
        }
    }

    public void Dispose()
    {
        reader.Dispose();
        writer.Dispose();
        socket.Dispose();
    }
}

/// <summary>An asynchronous QMP event: its name, QEMU's timestamp and its data.</summary>
public sealed record QmpEvent(string Name, DateTimeOffset Time, JsonNode? Data);
