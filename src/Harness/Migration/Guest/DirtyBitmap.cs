using System.Numerics;

namespace Mecom.Harness.Migration.Guest;

/// <summary>
/// One bit per page, set by the guest's writes and harvested by each round: the one dirty log the
/// emulator's guest (atomically, from its own thread) and the simulator's both keep.
/// </summary>
public sealed class DirtyBitmap(long pages)
{
    private readonly ulong[] words = new ulong[(pages + 63) / 64];

    public void Set(long page) => Interlocked.Or(ref words[page >> 6], 1UL << (int)(page & 63));

    public long Count()
    {
        long count = 0;
        for (int i = 0; i < words.Length; i++)
        {
            count += BitOperations.PopCount(Volatile.Read(ref words[i]));
        }

        return count;
    }

    /// <summary>The dirty pages, ascending, clearing each word as it is read.</summary>
    public long[] Harvest()
    {
        var pages = new List<long>();
        for (int i = 0; i < words.Length; i++)
        {
            ulong word = Interlocked.Exchange(ref words[i], 0);
            while (word != 0)
            {
                pages.Add(i * 64L + BitOperations.TrailingZeroCount(word));
                word &= word - 1;
            }
        }

        return pages.ToArray();
    }
}
