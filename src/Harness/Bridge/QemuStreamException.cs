namespace Mecom.Harness.Bridge;

/// <summary>What went wrong with a QEMU migration stream; each is named so tests and reports can tell them apart.</summary>
public enum QemuStreamError
{
    /// <summary>The stream ended inside a record, or before its device state.</summary>
    Truncated,

    /// <summary>A byte the parser does not understand: corruption, reordering, or a feature it does not model.</summary>
    Unrecognized,

    /// <summary>A size or count beyond what the format allows.</summary>
    OutOfRange,
}

/// <summary>A QEMU stream the parser cannot follow; <see cref="Offset"/> is where, in the whole stream.</summary>
public sealed class QemuStreamException(QemuStreamError error, long offset, string message)
    : Exception($"QEMU stream {Describe(error)} at byte {offset}: {message}")
{
    public QemuStreamError Error { get; } = error;

    public long Offset { get; } = offset;

    public string Reason { get; } = message;

    private static string Describe(QemuStreamError error) => error switch
    {
        QemuStreamError.Truncated => "truncated",
        QemuStreamError.OutOfRange => "size out of range",
        _ => "not understood",
    };
}
