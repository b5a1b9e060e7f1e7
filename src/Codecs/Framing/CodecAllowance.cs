using Mecom.Codecs.General;

namespace Mecom.Codecs.Framing;

/// <summary>
/// What frames from one peer may make a decoder build: canonical codec names only, at most
/// <see cref="MaxCodecs"/> distinct ones, their state within <see cref="MaxBytes"/>, and dictionaries from
/// <see cref="Dictionaries"/> alone. Shared by a session's decoding threads.
/// </summary>
/// <remarks>
/// Found against the migration target: a codec cache keyed by the frame's spelling of a name grew by a
/// codec per spelling (3,000 spellings of <c>deflate:1</c> took it from 88 to 488 MB), and each spelling
/// of a dictionary codec copied a 16 MiB dictionary twice.
/// </remarks>
public sealed class CodecAllowance(int maxCodecs, long maxBytes, DictionaryStore dictionaries)
{
    /// <summary>What a codec instance is charged besides its dictionary: zstd and brotli contexts, scratch pages.</summary>
    public const long CodecStateBytes = 1 << 20;

    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private long charged;

    public int MaxCodecs { get; } = maxCodecs;

    public long MaxBytes { get; } = maxBytes;

    public DictionaryStore Dictionaries { get; } = dictionaries;

    /// <summary>Bytes charged so far.</summary>
    public long Charged => Interlocked.Read(ref charged);

    /// <summary>A process-wide allowance for trusted frames (benchmarks, the in-memory harness): the old behaviour.</summary>
    public static CodecAllowance Unbounded { get; } = new(int.MaxValue, long.MaxValue, RawDictionary.Known);

    /// <summary>Charges <paramref name="bytes"/> more (a dictionary just received); a <see cref="FrameFormatException"/> past the limit.</summary>
    public void Charge(long bytes, string what)
    {
        lock (names)
        {
            if (charged > MaxBytes - bytes)
            {
                throw new FrameFormatException(7, $"{what} needs {bytes:N0} bytes, past the {MaxBytes:N0} bytes of codec memory this session may use ({charged:N0} in use)");
            }

            charged += bytes;
        }
    }

    /// <summary>Checks <paramref name="name"/> and charges for one more instance of it; the parsed codec.</summary>
    public CodecSpec Admit(string name)
    {
        CodecSpec spec;
        try
        {
            spec = CodecRegistry.Parse(name, Dictionaries);
        }
        catch (ArgumentException e)
        {
            throw new FrameFormatException(7, $"the frame's codec cannot be used here: {e.Message}");
        }

        if (spec.ToString() != name)
        {
            throw new FrameFormatException(7, $"the frame names its codec '{name}', not by its canonical name '{spec}'");
        }

        lock (names)
        {
            if (!names.Contains(name) && names.Count >= MaxCodecs)
            {
                throw new FrameFormatException(7, $"codec '{name}' would be this session's codec number {names.Count + 1}; the source announced at most {MaxCodecs}");
            }

            Charge(StateBytes(spec), $"codec '{name}'");
            names.Add(name);
        }

        return spec;
    }

    private long StateBytes(CodecSpec spec) =>
        CodecStateBytes + (spec.Dictionary is null ? 0 : 2L * Dictionaries.Get(spec.Dictionary).Length) + (spec.General is null ? 0 : StateBytes(spec.General));
}
