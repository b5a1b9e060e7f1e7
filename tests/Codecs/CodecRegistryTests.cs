using Mecom.Codecs;

namespace Mecom.Tests.Codecs;

public class CodecRegistryTests
{
    [Theory]
    [InlineData("lz4", "lz4")]
    [InlineData("LZ4", "lz4")]
    [InlineData("lz4hc", "lz4hc:9")]
    [InlineData("lz4hc:12", "lz4hc:12")]
    [InlineData("zstd", "zstd:1")]
    [InlineData("zstd:3", "zstd:3")]
    [InlineData("zstd:-5", "zstd:-5")]
    [InlineData(" deflate:1 ", "deflate:1")]
    [InlineData("brotli:1", "brotli:1")]
    [InlineData("wkdm", "wkdm")]
    [InlineData("mecom", "mecom:0")]
    [InlineData("mecom+zstd", "mecom:0+zstd:1")]
    [InlineData("mecom:4+deflate", "mecom:4+deflate:1")]
    [InlineData("mecom-bdi:2+brotli:1", "mecom-bdi:2+brotli:1")]
    [InlineData("mecom:3+lz4", "mecom:3")]
    public void Names_and_levels_parse_to_canonical_specs(string text, string canonical)
    {
        CodecSpec spec = CodecRegistry.Parse(text);
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal(canonical, CodecRegistry.Create(spec).Name);
    }

    [Theory]
    [InlineData("lz5", "unknown codec 'lz5'; valid codecs: mecom, mecom-bdi, wkdm, bdi, lz4")]
    [InlineData("zstd:99", "bad level '99' for codec 'zstd'; valid levels: -7..22")]
    [InlineData("zstd:0", "bad level '0'")]
    [InlineData("zstd:fast", "bad level 'fast'")]
    [InlineData("wkdm:3", "codec 'wkdm' takes no level")]
    [InlineData("lz4hc:2", "valid levels: 3..12")]
    [InlineData("lz4+zstd", "codec 'lz4' takes no general codec (in 'lz4+zstd'); only the selectors do: mecom, mecom-bdi")]
    [InlineData("mecom+mecom:4", "'mecom:4' cannot be a selector's general codec")]
    [InlineData("mecom+raw", "'raw' cannot be a selector's general codec")]
    [InlineData("mecom+zstd:99", "bad level '99' for codec 'zstd'")]
    [InlineData("mecom+", "unknown codec ''")]
    public void Bad_names_and_levels_say_what_is_valid(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => CodecRegistry.Parse(text));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Lists_expand_all_and_drop_duplicates()
    {
        var specs = CodecRegistry.ParseList("lz4, zstd:1,zstd,all");
        Assert.Equal("lz4", specs[0].ToString());
        Assert.Equal("zstd:1", specs[1].ToString());
        Assert.Equal(specs.Count, specs.Select(s => s.ToString()).Distinct().Count());
        Assert.Equal(CodecRegistry.DefaultSet.Count, specs.Count);
        Assert.Throws<ArgumentException>(() => CodecRegistry.ParseList(" , "));
    }

    [Fact]
    public void Native_codecs_are_available_or_say_why_not()
    {
        foreach (CodecInfo info in CodecRegistry.All.Where(c => c.Name.StartsWith("native-", StringComparison.Ordinal)))
        {
            if (info.IsAvailable)
            {
                Assert.NotNull(CodecRegistry.Create(info.Name));
            }
            else
            {
                Assert.Contains("apt-get install", info.Unavailable);
                var e = Assert.Throws<ArgumentException>(() => CodecRegistry.Parse(info.Name));
                Assert.Contains("not available here", e.Message);
            }
        }
    }
    [Fact]
    public void Every_codec_names_the_library_and_version_doing_its_work()
    {
        foreach (CodecInfo c in CodecRegistry.All)
        {
            Assert.NotNull(c.Library);
            Assert.Matches(@"^\S+ (\d+\.\d+[\d.]*( \(.+\))?|\(not loaded\)|\(\.NET \d+[\d.]*\))$", c.Library!());
        }

        Assert.Matches(@"^K4os\.Compression\.LZ4 \d+\.\d+\.\d+$", CodecLibraries.K4os);
        Assert.Matches(@"^ZstdSharp\.Port \d+\.\d+\.\d+$", CodecLibraries.ZstdSharp);
        string lz4 = CodecLibraries.NativeLz4;
        Assert.True(lz4 == "liblz4 (not loaded)" || System.Text.RegularExpressions.Regex.IsMatch(lz4, @"^liblz4 \d+\.\d+\.\d+ \(liblz4"), lz4);
    }
    /// <summary>A list as typed, and the codecs it stands for.</summary>
    public static TheoryData<string, string> LevelLists => new()
    {
        { "zstd:1,3,5", "zstd:1 zstd:3 zstd:5" },
        { "lz4,zstd:1-3,wkdm", "lz4 zstd:1 zstd:2 zstd:3 wkdm" },
        { "zstd:-2-2", "zstd:-2 zstd:-1 zstd:1 zstd:2" },
        { "deflate:0-1", "deflate:0 deflate:1" },
        { "mecom:0,4,lz4", "mecom:0 mecom:4 lz4" },
        { "zstd:-5,3", "zstd:-5 zstd:3" },
    };

    /// <summary>A bad list, and what the refusal must say.</summary>
    public static TheoryData<string, string> BadLevelLists => new()
    {
        { "zstd:5-1", "not a range of levels" },
        { "zstd:1-30", "bad level '23'" },
        { "lz4,3", "takes no level" },
        { "mecom:0+zstd:1,3", "Write each in full" },
    };

    [Theory]
    [MemberData(nameof(LevelLists))]
    public void Level_lists_and_ranges_expand_as_in_lzbench(string list, string expected)
    {
        Assert.Equal(expected, string.Join(' ', CodecRegistry.ParseList(list).Select(s => s.ToString())));
    }

    [Theory]
    [MemberData(nameof(BadLevelLists))]
    public void Bad_level_lists_are_refused_naming_what_is_wrong(string list, string message)
    {
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => CodecRegistry.ParseList(list)).Message);
    }
}
