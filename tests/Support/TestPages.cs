using System.Buffers.Binary;

namespace Mecom.Tests.Support;

/// <summary>Adversarial and synthetic pages, each with a name for failure messages.</summary>
public static class TestPages
{
    public static IEnumerable<(string Name, byte[] Page)> Adversarial(int pageSize)
    {
        var random = new Random(pageSize);
        yield return ("all zero", new byte[pageSize]);
        yield return ("all 0xFF", Filled(pageSize, 0xFF));
        yield return ("all 0xCC", Filled(pageSize, 0xCC));
        yield return ("u64 pattern", Words64(pageSize, _ => 0x0123456789ABCDEFUL));
        yield return ("alternating u32", Words32(pageSize, i => (i & 1) == 0 ? 0xDEADBEEFu : 0x12345678u));
        yield return ("last byte set", WithByte(new byte[pageSize], pageSize - 1, 1));
        yield return ("first byte set", WithByte(new byte[pageSize], 0, 0x80));
        yield return ("middle byte set", WithByte(new byte[pageSize], pageSize / 2, 7));
        foreach (int bit in new[] { 0, 7, 8, 31, 32, 63, 64, 511, 512, 1000, 4095, 8 * pageSize / 2, (8 * pageSize) - 1 })
        {
            if (bit < 8 * pageSize)
            {
                yield return ($"one bit at {bit}", WithBit(new byte[pageSize], bit));
            }
        }

        byte[] noise = new byte[pageSize];
        random.NextBytes(noise);
        yield return ("random bytes", noise);
        yield return ("ascending u32", Words32(pageSize, i => (uint)i));
        yield return ("ascending u64", Words64(pageSize, i => (ulong)i * 8));
        yield return ("pointer-like", Words64(pageSize, i => 0x00007F3A_5C000000UL + (ulong)random.Next(0, 1 << 20) * 16));
        yield return ("small ints", Words32(pageSize, _ => (uint)random.Next(0, 1024)));
        yield return ("similar highs", Words32(pageSize, _ => 0xABCD0000u | (uint)random.Next(0, 1 << 12)));
        yield return ("zero runs then noise", HalfZero(pageSize, random));
        yield return ("text", Text(pageSize));
        yield return ("every word a miss", Words32(pageSize, i => (uint)(i * 2654435761u) | 1u << 31));
    }

    public static byte[] WithBit(byte[] page, int bit)
    {
        page[bit / 8] |= (byte)(1 << (bit % 8));
        return page;
    }

    public static byte[] WithByte(byte[] page, int index, byte value)
    {
        page[index] = value;
        return page;
    }

    public static byte[] Filled(int size, byte value)
    {
        byte[] page = new byte[size];
        page.AsSpan().Fill(value);
        return page;
    }

    public static byte[] Words32(int size, Func<int, uint> word)
    {
        byte[] page = new byte[size];
        for (int i = 0; i < size / 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(4 * i), word(i));
        }

        return page;
    }

    public static byte[] Words64(int size, Func<int, ulong> word)
    {
        byte[] page = new byte[size];
        for (int i = 0; i < size / 8; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(8 * i), word(i));
        }

        return page;
    }

    private static byte[] HalfZero(int size, Random random)
    {
        byte[] page = new byte[size];
        random.NextBytes(page.AsSpan(size / 2 + 13));
        return page;
    }

    private static byte[] Text(int size)
    {
        byte[] page = new byte[size];
        const string words = "the quick brown fox jumps over the lazy dog; memory pages compress well ";
        for (int i = 0; i < size; i++)
        {
            page[i] = (byte)words[i % words.Length];
        }

        return page;
    }
}
