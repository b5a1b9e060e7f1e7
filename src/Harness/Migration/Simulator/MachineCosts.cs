using System.Diagnostics;
using Mecom.Harness.Measure;

namespace Mecom.Harness.Migration.Simulator;

/// <summary>
/// The machine's own costs that the emulator pays and a cost table prices: a loopback socket's CPU, the
/// first touch of fresh memory, pausing the guest, and waking a waiting thread.
/// </summary>
internal static class MachineCosts
{
    /// <summary>How long <see cref="GuestWorkload.Pause"/> takes on a guest writing a page every 5 ms, between writes.</summary>
    public static double PauseNs(int passes, int pageSize)
    {
        var samples = new double[passes];
        byte[] image = new byte[8 * pageSize];
        for (int p = 0; p < passes; p++)
        {
            using var guest = new StripeEditWorkload(image, pageSize, rate: 200, stride: 1);
            guest.Start(new GuestMemory(image.ToArray(), pageSize));
            Thread.Sleep(2);
            long t0 = Stopwatch.GetTimestamp();
            guest.Pause();
            samples[p] = PassTimer.NanosecondsSince(t0);
        }

        return Statistics.Median(samples);
    }

    /// <summary>One-way hand-off to a thread blocked on a monitor after idling 2 ms, the signalling thread busy: median of 7 per pass.</summary>
    public static double WakeNs(int passes)
    {
        int n = 7 * Math.Max(1, passes);
        var samples = new double[n];
        var gate = new object();
        bool signalled = false;
        long sentAt = 0;
        var waiter = new Thread(() =>
        {
            for (int i = 0; i < n; i++)
            {
                lock (gate)
                {
                    while (!signalled)
                    {
                        Monitor.Wait(gate);
                    }

                    samples[i] = PassTimer.NanosecondsSince(sentAt);
                    signalled = false;
                    Monitor.PulseAll(gate);
                }
            }
        }) { IsBackground = true };
        waiter.Start();
        for (int i = 0; i < n; i++)
        {
            // Busy, as the sender is between rounds, while the other thread idles in its wait.
            long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 500;
            while (Stopwatch.GetTimestamp() < until)
            {
            }

            lock (gate)
            {
                sentAt = Stopwatch.GetTimestamp();
                signalled = true;
                Monitor.PulseAll(gate);
                while (signalled)
                {
                    Monitor.Wait(gate);
                }
            }
        }

        waiter.Join();
        return Statistics.Median(samples);
    }

    /// <summary>
    /// Nanoseconds per page for the first write to freshly mapped memory, less a write to memory already
    /// mapped. 48 MiB per pass: above glibc's largest mmap threshold, so every pass gets new pages from the kernel.
    /// </summary>
    public static unsafe double FirstTouchNs(int passes, int pageSize)
    {
        const int Bytes = 48 << 20;
        int pages = Bytes / pageSize;
        var samples = new double[passes];
        for (int p = 0; p < passes; p++)
        {
            byte* memory = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(Bytes);
            try
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < pages; i++)
                {
                    new Span<byte>(memory + (long)i * pageSize, pageSize).Fill(1);
                }

                long t1 = Stopwatch.GetTimestamp();
                for (int i = 0; i < pages; i++)
                {
                    new Span<byte>(memory + (long)i * pageSize, pageSize).Fill(2);
                }

                long t2 = Stopwatch.GetTimestamp();
                samples[p] = Math.Max(0, (t1 - t0) - (t2 - t1)) * 1e9 / Stopwatch.Frequency / pages;
            }
            finally
            {
                System.Runtime.InteropServices.NativeMemory.Free(memory);
            }
        }

        return Statistics.Median(samples);
    }

    /// <summary>Process CPU per byte pushed through a loopback connection by one thread and read by another.</summary>
    public static double SocketNsPerByte(int passes)
    {
        const int Bytes = 16 << 20;
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        using var client = new System.Net.Sockets.TcpClient { NoDelay = true };
        client.Connect((System.Net.IPEndPoint)listener.LocalEndpoint);
        using System.Net.Sockets.TcpClient accepted = listener.AcceptTcpClient();
        System.Net.Sockets.NetworkStream send = client.GetStream();
        System.Net.Sockets.NetworkStream receive = accepted.GetStream();
        byte[] chunk = new byte[128 * 1024];
        var samples = new double[passes + 1];
        using var process = Process.GetCurrentProcess();
        for (int p = 0; p <= passes; p++)
        {
            process.Refresh();
            TimeSpan before = process.TotalProcessorTime;
            var reader = Task.Factory.StartNew(() =>
            {
                byte[] buffer = new byte[1 << 20];
                for (int got = 0; got < Bytes;)
                {
                    int n = receive.Read(buffer);
                    got += n > 0 ? n : throw new IOException("loopback connection closed while measuring");
                }
            }, TaskCreationOptions.LongRunning);
            for (int sent = 0; sent < Bytes; sent += chunk.Length)
            {
                send.Write(chunk);
            }

            reader.Wait();
            process.Refresh();
            samples[p] = (process.TotalProcessorTime - before).TotalMilliseconds * 1e6 / Bytes;
        }

        // The first pass warms the connection up (windows, buffers); the median of the rest.
        return Statistics.Median(samples[1..]);
    }
}
