using System.Collections.Concurrent;
using System.IO.Hashing;

namespace Mecom.Codecs.General;

/// <summary>
/// Dictionaries by an id derived from their contents, so a codec named <c>zstd-dict:L@id</c> can be made
/// anywhere in the process: the source registers what it built, a target what it received. Only the most
/// recent <paramref name="capacity"/> are kept: a target serving migration after migration would otherwise
/// keep every guest's. Codecs load theirs when made, so forgetting one only stops new ones being made for it.
/// </summary>
public sealed class DictionaryStore(int capacity)
{
    private readonly ConcurrentDictionary<string, byte[]> known = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> arrivals = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>Keeps <paramref name="dictionary"/> (1..<see cref="RawDictionary.MaxBytes"/> bytes); returns its id, 16 hex digits of its XXH3.</summary>
    public string Register(byte[] dictionary)
    {
        if (dictionary.Length == 0 || dictionary.Length > RawDictionary.MaxBytes)
        {
            throw new ArgumentException($"a dictionary must hold 1..{RawDictionary.MaxBytes} bytes, not {dictionary.Length}", nameof(dictionary));
        }

        string id = XxHash3.HashToUInt64(dictionary).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        if (known.TryAdd(id, dictionary))
        {
            arrivals.Enqueue(id);
            while (arrivals.Count > Capacity && arrivals.TryDequeue(out string? oldest))
            {
                known.TryRemove(oldest, out _);
            }
        }

        return id;
    }

    /// <summary>A kept dictionary, or an <see cref="ArgumentException"/> saying it never arrived.</summary>
    public byte[] Get(string id) => known.TryGetValue(id, out byte[]? dictionary)
        ? dictionary
        : throw new ArgumentException($"no dictionary '{id}' is known here (a migration's source sends its dictionary before the first frame)");
}
