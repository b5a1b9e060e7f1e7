namespace Mecom.Harness.Migration.Simulator;

/// <summary>
/// Cores in virtual time, shared the way an operating system shares them: a task runs in the earliest idle
/// time on any core from when it is ready, and may be preempted, so it fills the gaps other tasks left and
/// continues on whichever core frees up next (one core at a time). No core idles while a placed task is
/// waiting, which is what the emulator's threads get from the kernel's scheduler. Placing whole tasks in
/// gaps they fit instead left short gaps unused and made zstd, whose batches take milliseconds, about 20%
/// slower in simulation than in emulation at 1 Gbit/s on 2 cores. Stretches that end before every future
/// task's ready time are forgotten, so a long migration stays cheap.
/// </summary>
public sealed class CoreSchedule
{
    /// <summary>Idle stretches shorter than this (ms) are rounding, not room for work.</summary>
    private const double Epsilon = 1e-9;

    private readonly List<(double Start, double End)>[] busy;

    public CoreSchedule(int cores)
    {
        busy = Enumerable.Range(0, Math.Max(1, cores)).Select(_ => new List<(double, double)>()).ToArray();
    }

    /// <summary>Places a task of <paramref name="duration"/> ms ready at <paramref name="ready"/>; returns its end.</summary>
    public double Place(double ready, double duration) => Place(ready, duration, out _);

    /// <summary>As <see cref="Place(double, double)"/>; <paramref name="started"/> is when the task first ran.</summary>
    public double Place(double ready, double duration, out double started)
    {
        started = double.NaN;
        double t = ready;
        double left = duration;
        while (left > Epsilon)
        {
            // The earliest idle instant at or after t on any core, and how long that core stays idle.
            int core = 0, index = 0;
            double start = double.MaxValue, end = double.MaxValue;
            for (int c = 0; c < busy.Length; c++)
            {
                var list = busy[c];
                double s = t;
                int i = 0;
                while (i < list.Count && list[i].End <= s)
                {
                    i++;
                }

                // Intervals are sorted and disjoint: step over those covering s.
                while (i < list.Count && list[i].Start <= s + Epsilon)
                {
                    s = Math.Max(s, list[i].End);
                    i++;
                }

                if (s < start)
                {
                    start = s;
                    core = c;
                    index = i;
                    end = i < list.Count ? list[i].Start : double.MaxValue;
                }
            }

            double piece = Math.Min(left, end - start);
            if (double.IsNaN(started))
            {
                started = start;
            }

            Insert(busy[core], index, start, start + piece);
            left -= piece;
            t = start + piece;
        }

        if (double.IsNaN(started))
        {
            started = ready;
        }

        return t;
    }

    /// <summary>Adds a busy stretch before position <paramref name="index"/>, merged with neighbours it touches.</summary>
    private static void Insert(List<(double Start, double End)> list, int index, double start, double end)
    {
        bool joinsPrevious = index > 0 && list[index - 1].End >= start - Epsilon;
        bool joinsNext = index < list.Count && list[index].Start <= end + Epsilon;
        if (joinsPrevious && joinsNext)
        {
            list[index - 1] = (list[index - 1].Start, list[index].End);
            list.RemoveAt(index);
        }
        else if (joinsPrevious)
        {
            list[index - 1] = (list[index - 1].Start, end);
        }
        else if (joinsNext)
        {
            list[index] = (start, list[index].End);
        }
        else
        {
            list.Insert(index, (start, end));
        }
    }

    /// <summary>Forgets what ended before <paramref name="horizon"/>: no task will be ready earlier.</summary>
    public void Forget(double horizon)
    {
        foreach (var list in busy)
        {
            int n = 0;
            while (n < list.Count && list[n].End <= horizon)
            {
                n++;
            }

            if (n > 0)
            {
                list.RemoveRange(0, n);
            }
        }
    }
}
