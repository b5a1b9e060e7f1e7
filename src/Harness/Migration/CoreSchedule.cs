namespace Mecom.Harness.Migration;

/// <summary>
/// Cores in virtual time: each task goes to the earliest idle stretch long enough for it, on any core, no
/// earlier than it is ready (a decode that arrives later does not block a compression that could run
/// before it, as an operating system's scheduler would not). Stretches that end before every future task's
/// ready time are forgotten, so a long migration stays cheap.
/// </summary>
public sealed class CoreSchedule
{
    private readonly List<(double Start, double End)>[] busy;

    public CoreSchedule(int cores)
    {
        busy = Enumerable.Range(0, Math.Max(1, cores)).Select(_ => new List<(double, double)>()).ToArray();
    }

    /// <summary>Places a task of <paramref name="duration"/> ms ready at <paramref name="ready"/>; returns its end.</summary>
    public double Place(double ready, double duration)
    {
        int bestCore = 0, bestIndex = 0;
        double bestStart = double.MaxValue;
        for (int c = 0; c < busy.Length; c++)
        {
            var list = busy[c];
            double t = ready;
            int i = 0;
            // Intervals are sorted and disjoint: walk to the first gap after ready that fits.
            while (i < list.Count && list[i].End <= t)
            {
                i++;
            }

            while (i < list.Count && list[i].Start < t + duration)
            {
                t = Math.Max(t, list[i].End);
                i++;
            }

            if (t < bestStart)
            {
                bestStart = t;
                bestCore = c;
                bestIndex = i;
            }
        }

        busy[bestCore].Insert(bestIndex, (bestStart, bestStart + duration));
        return bestStart + duration;
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
