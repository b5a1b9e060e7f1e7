using System.Text;

namespace Mecom.Harness.Qemu;

/// <summary>
/// Writes a Linux initramfs: the "newc" cpio format the kernel unpacks (ASCII hex headers, names and data
/// padded to 4 bytes), so a guest can be built without the cpio tool.
/// </summary>
internal sealed class Cpio(Stream output)
{
    private const int Directory = 0x4000;
    private const int Regular = 0x8000;
    private const int Symlink = 0xA000;
    private int inode = 1;

    public void AddDirectory(string path) => Entry(path, Directory | 0x1ED, []);

    public void AddFile(string path, ReadOnlySpan<byte> data, bool executable) => Entry(path, Regular | (executable ? 0x1ED : 0x1A4), data);

    public void AddSymlink(string path, string target) => Entry(path, Symlink | 0x1FF, Encoding.UTF8.GetBytes(target));

    /// <summary>The trailer entry the kernel stops at.</summary>
    public void Finish() => Entry("TRAILER!!!", 0, [], number: 0);

    private void Entry(string path, int mode, ReadOnlySpan<byte> data, int? number = null)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        var header = new StringBuilder("070701");
        foreach (long field in new long[] { number ?? inode++, mode, 0, 0, 1, 0, data.Length, 0, 0, 0, 0, name.Length, 0 })
        {
            header.Append(field.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        }

        output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        output.Write(name);
        Pad(110 + name.Length);
        output.Write(data);
        Pad(data.Length);
    }

    private void Pad(long written)
    {
        int pad = (int)((4 - (written % 4)) % 4);
        output.Write(new byte[pad]);
    }
}
