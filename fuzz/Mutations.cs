using CsCheck;

namespace Mecom.Fuzz;

/// <summary>One edit of a real input: how decoders meet damage in the wild.</summary>
public readonly record struct Edit(int Kind, int Position, byte Value, int Length)
{
    public const int Kinds = 7;

    /// <summary>Applies the edits to a copy of <paramref name="seed"/> (splices take from <paramref name="other"/>).</summary>
    public static byte[] Apply(byte[] seed, byte[] other, Edit[] edits)
    {
        var data = new List<byte>(seed);
        foreach (Edit e in edits)
        {
            int at = data.Count == 0 ? 0 : e.Position % (data.Count + 1);
            switch (e.Kind)
            {
                case 0 when data.Count > 0: // flip one bit
                    at %= data.Count;
                    data[at] ^= (byte)(1 << (e.Value & 7));
                    break;
                case 1 when data.Count > 0: // set a byte, often to a boundary value
                    at %= data.Count;
                    data[at] = (e.Value & 3) switch { 0 => 0, 1 => 0xFF, 2 => 0x80, _ => e.Value };
                    break;
                case 2: // truncate
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 3: // insert bytes
                    data.InsertRange(at, Enumerable.Repeat(e.Value, e.Length));
                    break;
                case 4 when data.Count > 0: // delete a run
                    data.RemoveRange(at % data.Count, Math.Min(e.Length, data.Count - at % data.Count));
                    break;
                case 5 when data.Count >= 4: // an interesting 32-bit value at a 4-byte boundary (lengths, counts)
                    at = at / 4 * 4 % (data.Count - 3);
                    uint v = (e.Value % 6) switch { 0 => 0, 1 => uint.MaxValue, 2 => 0x7FFFFFFF, 3 => 0x80000000, 4 => 4096, _ => (uint)e.Length };
                    for (int k = 0; k < 4; k++)
                    {
                        data[at + k] = (byte)(v >> (8 * k));
                    }

                    break;
                case 6 when other.Length > 0: // splice in a run of another real input
                    int from = e.Position % other.Length;
                    data.InsertRange(at, other.Skip(from).Take(e.Length));
                    break;
            }
        }

        return data.ToArray();
    }

    /// <summary>CsCheck's generator of edit lists: 1 to 6 edits of any kind, anywhere.</summary>
    public static Gen<Edit[]> Generator { get; } =
        Gen.Select(Gen.Int[0, Kinds - 1], Gen.Int[0, 1 << 20], Gen.Byte, Gen.Int[1, 96], (k, p, v, l) => new Edit(k, p, v, l)).Array[1, 6];
}
