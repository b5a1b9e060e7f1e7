using Mecom.Codecs.Hashing;

namespace Mecom.Tests.Codecs;

public class PageHashTests
{
    [Fact]
    public void A_single_changed_bit_is_a_named_mismatch()
    {
        byte[] page = new byte[4096];
        new Random(5).NextBytes(page);
        ulong hash = PageHash.Of(page, 17);
        PageHash.Verify(page, hash, 17);
        Assert.Throws<PageMismatchException>(() => PageHash.Verify(page, hash, 18));
        page[4095] ^= 1;
        var e = Assert.Throws<PageMismatchException>(() => PageHash.Verify(page, hash, 17));
        Assert.Equal(17, e.PageIndex);
        Assert.Contains("page 17", e.Message);
    }

    [Fact]
    public void The_hash_is_stable_across_runs()
    {
        // Fixed seed and algorithm: a format constant, not an implementation detail.
        Assert.Equal(PageHash.Of(new byte[4096]), PageHash.Of(new byte[4096]));
        Assert.NotEqual(PageHash.Of(new byte[4096]), PageHash.Of(new byte[16384]));
    }
}
