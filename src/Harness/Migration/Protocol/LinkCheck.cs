using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mecom.Harness.Migration.Protocol;

/// <summary>
/// Checks the link emulator on this machine: streams data through it over loopback TCP for a few seconds
/// and measures, at the receiver, the rate in every one-second window (sliding by 100 ms).
/// </summary>
public static class LinkCheck
{
    public sealed record Result(double SettingBps, double MeanBps, double MinWindowBps, double MaxWindowBps, int Windows)
    {
        public double WorstDeviation => Math.Max(Math.Abs(MinWindowBps / SettingBps - 1), Math.Abs(MaxWindowBps / SettingBps - 1));
    }

    public static Result Run(double bandwidthBps, double seconds)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var samples = new List<(double T, long Bytes)>();
        var clock = Stopwatch.StartNew();
        Task receiver = Task.Factory.StartNew(() =>
        {
            using TcpClient accepted = listener.AcceptTcpClient();
            using NetworkStream stream = accepted.GetStream();
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                total += n;
                samples.Add((clock.Elapsed.TotalSeconds, total));
            }
        }, TaskCreationOptions.LongRunning);

        using (var client = new TcpClient { NoDelay = true })
        {
            client.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            using var link = new LinkEmulator(client.GetStream(), bandwidthBps);
            byte[] block = new byte[64 * 1024];
            var sending = Stopwatch.StartNew();
            while (sending.Elapsed.TotalSeconds < seconds)
            {
                link.Write(block);
            }

            link.Flush();
        }

        receiver.Wait();
        // Windows start after the first byte, so connection set-up is not counted.
        double start = samples[0].T;
        double end = samples[^1].T;
        var rates = new List<double>();
        for (double t = start; t + 1 <= end; t += 0.1)
        {
            rates.Add((BytesAt(samples, t + 1) - BytesAt(samples, t)) * 8.0);
        }

        double mean = (samples[^1].Bytes - samples[0].Bytes) * 8.0 / (end - start);
        return new Result(bandwidthBps, mean, rates.Count > 0 ? rates.Min() : mean, rates.Count > 0 ? rates.Max() : mean, rates.Count);
    }

    private static long BytesAt(List<(double T, long Bytes)> samples, double t)
    {
        int lo = 0, hi = samples.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (samples[mid].T <= t)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return samples[lo].Bytes;
    }
}
