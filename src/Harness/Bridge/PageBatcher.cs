using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Hashing;
using Mecom.Codecs;
using Mecom.Codecs.Framing;

namespace Mecom.Harness.Bridge;

/// <summary>
/// The source bridge's sink for one QEMU connection: hashes every record, gathers the stream bytes
/// between normal pages, batches the pages and has them encoded on the worker pool, and hands the link
/// raw and page messages in stream order (<see cref="OrderedSender"/>). A batch goes when it is full or
/// when QEMU's socket has nothing more to read, so pages never wait for pages QEMU has not sent yet.
/// </summary>
internal sealed class PageBatcher(int channel, EncoderPool pool, OrderedSender sender) : IQemuRecordSink
{
    /// <summary>Verbatim bytes gathered before they go as their own message: zero-page runs, device state.</summary>
    private const int RawChunk = 64 * 1024;

    private readonly XxHash128 hash = new();
    private readonly MemoryStream pending = new();
    private byte[] pages = new byte[pool.BatchPages * QemuStreamFormat.PageSize];
    private List<byte[]> prefixes = new(pool.BatchPages);

    public long Length { get; private set; }

    /// <summary>Stream bytes already put in messages: the next message's offset.</summary>
    private long sent;

    public UInt128 Hash => hash.GetCurrentHashAsUInt128();

    public void Record(in QemuRecord record)
    {
        hash.Append(record.Bytes);
        Length += record.Bytes.Length;
        if (record.Kind == QemuRecordKind.NormalPage)
        {
            pending.Write(record.Bytes[..record.PageHeaderLength]);
            prefixes.Add(pending.ToArray());
            pending.SetLength(0);
            record.Page.CopyTo(pages.AsSpan((prefixes.Count - 1) * QemuStreamFormat.PageSize));
            if (prefixes.Count == pool.BatchPages)
            {
                SendBatch();
            }

            return;
        }

        pending.Write(record.Bytes);
        if (pending.Length >= RawChunk)
        {
            Flush();
        }
    }

    public void Idle() => Flush();

    /// <summary>Everything gathered goes: the batch first, then the bytes that followed its last page.</summary>
    public void Flush()
    {
        SendBatch();
        if (pending.Length > 0)
        {
            sender.Add(Task.FromResult(BridgeWire.Message(BridgeMessage.Raw, channel, sent, pending.GetBuffer().AsSpan(0, (int)pending.Length))));
            sent += pending.Length;
            pending.SetLength(0);
        }
    }

    private void SendBatch()
    {
        if (prefixes.Count == 0)
        {
            return;
        }

        byte[] batch = pages;
        List<byte[]> heads = prefixes;
        pages = new byte[pool.BatchPages * QemuStreamFormat.PageSize];
        prefixes = new List<byte[]>(pool.BatchPages);
        long offset = sent;
        sent += heads.Sum(h => (long)h.Length) + (long)heads.Count * QemuStreamFormat.PageSize;
        sender.Add(Task.Run(() => pool.Encode(channel, offset, batch, heads)));
    }
}

/// <summary>Frame builders and codec instances for the workers: one per encode at a time, reused.</summary>
internal sealed class EncoderPool(CodecSpec codec, int batchPages)
{
    private readonly ConcurrentBag<(FrameBuilder Builder, IPageCodec Codec)> idle = [];
    private long pagesEncoded;
    private long frameBytes;

    public int BatchPages { get; } = batchPages;

    public long Pages => Interlocked.Read(ref pagesEncoded);

    /// <summary>Bytes of the frames the pages went in, without the prefixes.</summary>
    public long FrameBytes => Interlocked.Read(ref frameBytes);

    /// <summary>A Pages message: be32 count, each page's prefix (be32 length, bytes), then the frame.</summary>
    public byte[] Encode(int channel, long offset, byte[] pages, List<byte[]> prefixes)
    {
        if (!idle.TryTake(out var worker))
        {
            worker = (new FrameBuilder(QemuStreamFormat.PageSize, BatchPages), CodecRegistry.Create(codec));
        }

        try
        {
            int count = prefixes.Count;
            long[] indices = new long[count];
            for (int i = 0; i < count; i++)
            {
                indices[i] = i;
            }

            worker.Builder.Build(pages.AsSpan(0, count * QemuStreamFormat.PageSize), indices, worker.Codec);
            ReadOnlySpan<byte> frame = worker.Builder.Frame.Span;
            int length = 4 + prefixes.Sum(p => 4 + p.Length) + frame.Length;
            byte[] message = new byte[BridgeWire.HeaderBytes + length];
            BridgeWire.WriteHeader(message, BridgeMessage.Pages, channel, offset, length);
            int at = BridgeWire.HeaderBytes;
            BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(at), count);
            at += 4;
            foreach (byte[] prefix in prefixes)
            {
                BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(at), prefix.Length);
                prefix.CopyTo(message, at + 4);
                at += 4 + prefix.Length;
            }

            frame.CopyTo(message.AsSpan(at));
            Interlocked.Add(ref pagesEncoded, count);
            Interlocked.Add(ref frameBytes, frame.Length);
            return message;
        }
        finally
        {
            idle.Add(worker);
        }
    }
}

/// <summary>
/// A connection's messages in stream order: encodes finish in any order on the workers, and one thread
/// puts them on the link as they come due. At most <see cref="Depth"/> messages wait, so a slow link
/// stops the parser, and with it the reads from QEMU's socket, instead of filling memory.
/// </summary>
internal sealed class OrderedSender : IDisposable
{
    private readonly BlockingCollection<Task<byte[]>> queue;
    private readonly Thread thread;
    private readonly BridgeLink link;
    private Exception? failure;

    public OrderedSender(BridgeLink link, int depth)
    {
        this.link = link;
        Depth = depth;
        queue = new BlockingCollection<Task<byte[]>>(depth);
        thread = new Thread(Run) { IsBackground = true, Name = "bridge sender" };
        thread.Start();
    }

    public int Depth { get; }

    public void Add(Task<byte[]> message)
    {
        if (failure is not null)
        {
            throw new IOException($"the link to the target bridge failed: {failure.Message}", failure);
        }

        queue.Add(message);
    }

    /// <summary>Waits until everything added is on the link.</summary>
    public void Complete()
    {
        queue.CompleteAdding();
        thread.Join();
        if (failure is not null)
        {
            throw new IOException($"the link to the target bridge failed: {failure.Message}", failure);
        }
    }

    private void Run()
    {
        try
        {
            foreach (Task<byte[]> message in queue.GetConsumingEnumerable())
            {
                link.Send(message.GetAwaiter().GetResult());
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = e;
            // Drain so the parser's adds do not block forever on a dead link.
            foreach (Task<byte[]> _ in queue.GetConsumingEnumerable())
            {
            }
        }
    }

    public void Dispose() => queue.Dispose();
}
