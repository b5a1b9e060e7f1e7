using System.Diagnostics;

namespace Mecom.Harness.Measure;

/// <summary>
/// Timing work over passes, shared by the codec comparison and the simulator's price list so both warm the
/// runtime up and read the clock the same way.
/// </summary>
public static class PassTimer
{
    /// <summary>
    /// Runs <paramref name="pass"/> until <paramref name="seconds"/> of wall time have gone, at least once: the
    /// runtime compiles methods first without optimisation and swaps in optimised code only after they have
    /// run for a while, so a number of passes would warm up a slow machine and a fast one differently.
    /// </summary>
    public static void WarmUp(Action pass, double seconds)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            pass();
        }
        while (clock.Elapsed.TotalSeconds < seconds);
    }

    /// <summary>Nanoseconds from the <see cref="Stopwatch"/> timestamp <paramref name="start"/> to now, at the clock's own resolution.</summary>
    public static double NanosecondsSince(long start) => (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency;

    /// <summary>
    /// The median over <paramref name="passes"/> timed runs of <paramref name="pass"/> of its nanoseconds per
    /// item (<paramref name="items"/> per pass), after one untimed run that brings the data into the caches.
    /// </summary>
    public static double MedianNs(int passes, int items, Action pass)
    {
        pass();
        double[] samples = new double[passes];
        for (int p = 0; p < passes; p++)
        {
            long t0 = Stopwatch.GetTimestamp();
            pass();
            samples[p] = NanosecondsSince(t0) / Math.Max(1, items);
        }

        return Statistics.Median(samples);
    }
}
