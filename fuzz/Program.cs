using System.Diagnostics;
using System.IO.Hashing;
using CsCheck;
using SharpFuzz;

namespace Mecom.Fuzz;

/// <summary>
/// mecom-fuzz: fuzzing for every decoder (codecs, XBZRLE, batch frames, traces, the migration target).
/// <code>
/// mecom-fuzz list
/// mecom-fuzz seeds TARGET DIR                     write the real seed inputs (an AFL input folder)
/// mecom-fuzz mutate TARGET|all [INPUTS] [THREADS]  CsCheck-generated mutations of real inputs, in process
/// mecom-fuzz replay TARGET DIR                    run every file of DIR (reproduce or regression-check)
/// mecom-fuzz afl TARGET                           under afl-fuzz, on a SharpFuzz-instrumented build
/// </code>
/// Exit 0: no finding. Exit 1: a finding (the input is saved in fuzz/findings). Exit 2: bad usage.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["list"] => List(),
                ["seeds", var target, var dir] => Seeds(Targets.Find(target), dir),
                ["mutate", var target, ..] => Mutate(target, args.Length > 2 ? long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000, args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : Environment.ProcessorCount),
                ["replay", var target, var dir] => Replay(Targets.Find(target), dir),
                ["afl", var target] => Afl(target),
                _ => Usage(),
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"mecom-fuzz: {e.Message}");
            return 2;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: mecom-fuzz list | seeds TARGET DIR | mutate TARGET|all [INPUTS] [THREADS] | replay TARGET DIR | afl TARGET");
        return 2;
    }

    private static int List()
    {
        foreach (Target t in Targets.All())
        {
            Console.WriteLine($"{t.Name}\t{t.Seeds.Count} seeds");
        }

        return 0;
    }

    private static int Seeds(Target target, string dir)
    {
        Directory.CreateDirectory(dir);
        for (int i = 0; i < target.Seeds.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(dir, $"seed-{i:D3}"), target.Seeds[i]);
        }

        Console.WriteLine($"{target.Name}: {target.Seeds.Count} seeds in {dir}");
        return 0;
    }

    private static int Mutate(string name, long inputs, int threads)
    {
        if (inputs < 1 || threads < 1)
        {
            throw new ArgumentException("INPUTS and THREADS must be positive");
        }

        IReadOnlyList<Target> targets = name == "all" ? Targets.All() : [Targets.Find(name)];
        int findings = 0;
        foreach (Target target in targets)
        {
            findings += MutateOne(target, inputs, threads);
        }

        return findings == 0 ? 0 : 1;
    }

    private static int MutateOne(Target target, long inputs, int threads)
    {
        IReadOnlyList<byte[]> seeds = target.Seeds;
        var gen = Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[0, seeds.Count - 1], Edit.Generator);
        var clock = Stopwatch.StartNew();
        long slowest = 0;
        // A hang never returns to be measured: a watchdog saves the input that has run for 10 s and stops.
        var running = new System.Collections.Concurrent.ConcurrentDictionary<int, (long Start, byte[] Input)>();
        using var watchdog = new Timer(_ =>
        {
            foreach (var (_, (start, input)) in running)
            {
                if (Stopwatch.GetTimestamp() - start > 10 * Stopwatch.Frequency)
                {
                    Save(target, input);
                    Console.WriteLine($"{target.Name}: FINDING: an input has run for over 10 s (a hang); saved in fuzz/findings");
                    Environment.Exit(1);
                }
            }
        }, null, 1000, 1000);
        try
        {
            gen.Sample(t =>
            {
                byte[] input = Edit.Apply(seeds[t.Item1], seeds[t.Item2], t.Item3);
                long start = Stopwatch.GetTimestamp();
                running[Environment.CurrentManagedThreadId] = (start, input);
                try
                {
                    target.Run(input);
                }
                catch (Exception e)
                {
                    Save(target, input);
                    throw new FindingException($"{target.Name}: {e.GetType().Name}: {e.Message}");
                }

                long ticks = Stopwatch.GetTimestamp() - start;
                // A slow wall clock can be the machine, not the input (a shared 2-core runner stalled a 30 ms
                // input for 2.1 s): a slow input is run twice more, and is a finding only if it is slow every time.
                for (int again = 0; again < 2 && ticks > Stopwatch.Frequency; again++)
                {
                    long rerun = Stopwatch.GetTimestamp();
                    running[Environment.CurrentManagedThreadId] = (rerun, input);
                    target.Run(input);
                    ticks = Math.Min(ticks, Stopwatch.GetTimestamp() - rerun);
                }

                if (ticks > Stopwatch.Frequency)
                {
                    Save(target, input);
                    throw new FindingException($"{target.Name}: one input took {ticks / (double)Stopwatch.Frequency:F1} s (a hang in the making)");
                }

                InterlockedMax(ref slowest, ticks);
            }, iter: inputs, threads: threads, print: t => $"seed {t.Item1}, {t.Item3.Length} edits");
        }
        catch (Exception e)
        {
            // CsCheck wraps what the target threw: say both how to reproduce and what went wrong.
            Exception cause = e;
            while (cause.InnerException is not null && cause is not FindingException)
            {
                cause = cause.InnerException;
            }

            Console.WriteLine($"{target.Name}: FINDING after {clock.Elapsed.TotalSeconds:F0} s: {cause.Message}");
            Console.WriteLine($"  {e.Message.Split('\n')[0]}");
            return 1;
        }

        Console.WriteLine($"{target.Name}: {inputs:N0} inputs, no finding, {inputs / clock.Elapsed.TotalSeconds:N0} inputs/s, slowest {slowest * 1e3 / Stopwatch.Frequency:F2} ms");
        return 0;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private static void Save(Target target, byte[] input)
    {
        string dir = Path.Combine(Path.GetDirectoryName(Targets.CorporaFolder())!, "fuzz", "findings");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, $"{target.Name.Replace(':', '-')}-{XxHash3.HashToUInt64(input):x16}.bin"), input);
    }

    private static int Replay(Target target, string dir)
    {
        int files = 0;
        foreach (string file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            target.Run(File.ReadAllBytes(file));
            files++;
        }

        Console.WriteLine($"{target.Name}: {files} inputs replayed, no finding");
        return 0;
    }

    /// <summary>
    /// Under afl-fuzz: every input through the target; an unexpected exception is AFL's crash. The target is
    /// resolved inside the callback: instrumented code may run only once SharpFuzz has set up AFL's map.
    /// </summary>
    private static int Afl(string name)
    {
        Target? target = null;
        Fuzzer.OutOfProcess.Run(stream =>
        {
            target ??= Targets.Find(name);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            target.Run(copy.ToArray());
        });
        return 0;
    }
}
