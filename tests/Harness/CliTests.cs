using Mecom.Harness;

namespace Mecom.Tests.Harness;

/// <summary>Bad user input gives a one-line error and exit code 2, before any long work starts.</summary>
[Collection("console")]
public class CliTests
{
    internal static (int Code, string Error) Run(params string[] args)
    {
        var error = new StringWriter();
        TextWriter saved = Console.Error;
        Console.SetError(error);
        try
        {
            return (Program.Main(args), error.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    [Fact]
    public void An_unknown_codec_lists_the_valid_ones()
    {
        (int code, string error) = Run("codecs", "--codecs", "lz5", "--passes", "1");
        Assert.Equal(2, code);
        Assert.Contains("unknown codec 'lz5'; valid codecs:", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void A_missing_corpus_is_named()
    {
        (int code, string error) = Run("codecs", "--corpus", "/nonexistent/entry", "--codecs", "lz4");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/entry", error);
    }

    [Fact]
    public void A_bad_page_size_and_pass_count_are_refused()
    {
        Assert.Equal(2, Run("codecs", "--page-size", "8192").Code);
        Assert.Equal(2, Run("codecs", "--passes", "0").Code);
    }

    [Theory]
    [InlineData("--level", "30")]
    [InlineData("--baseline-level", "0")]
    public void A_zstd_level_that_does_not_exist_is_refused_before_measuring(string option, string value)
    {
        (int code, string error) = Run("dict", option, value);
        Assert.Equal(2, code);
        Assert.Contains($"{option} {value} is not a zstd level", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void A_dictionary_codec_outside_a_migration_is_refused_before_loading_pages()
    {
        // A corpus that does not exist: the codec is refused before the corpus is even looked for.
        (int code, string error) = Run("codecs", "--corpus", "/nonexistent/entry", "--codecs", "lz4,mecom+zstd-dict:9");
        Assert.Equal(2, code);
        Assert.Contains("'mecom:0+zstd-dict:9' needs the dictionary a migration builds", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void An_unwritable_output_is_refused_before_measuring()
    {
        (int code, string error) = Run("codecs", "--codecs", "lz4", "--json", "/proc/mecom/out.json");
        Assert.Equal(2, code);
        Assert.Contains("cannot write /proc/mecom/out.json", error);
    }

    [Fact]
    public void A_missing_or_malformed_baseline_is_unusable_input()
    {
        (int code, string error) = Run("gate", "--baseline", "/nonexistent/baseline.json");
        Assert.Equal(2, code);
        Assert.Contains("mecom baseline save", error);

        string junk = Path.Combine(Path.GetTempPath(), $"mecom-junk-{Guid.NewGuid():N}.json");
        File.WriteAllText(junk, "{ not json");
        try
        {
            (code, error) = Run("gate", "--baseline", junk, "--current", junk);
            Assert.Equal(2, code);
            Assert.Contains("not a baseline", error);
        }
        finally
        {
            File.Delete(junk);
        }
    }

    [Theory]
    [InlineData("migrate", "--bandwidth", "fast", "bad bandwidth 'fast'")]
    [InlineData("migrate", "--strategy", "mecom,turbo", "unknown strategy 'turbo'")]
    [InlineData("migrate", "--stop", "kvm", "unknown stop rule 'kvm'")]
    [InlineData("migrate", "--batch", "0", "--batch 0")]
    [InlineData("migrate", "--time-scale", "-2", "--time-scale")]
    [InlineData("migrate", "--settings", "/nonexistent/tuned.json", "mecom tune --out")]
    [InlineData("migrate", "--corpus", "/nonexistent/entry", "/nonexistent/entry")]
    [InlineData("simulate", "--hosts", "many", "--hosts must be shared or separate")]
    [InlineData("simulate", "--pairs", "pairs.json", "--pairs writes the runs of --validate")]
    [InlineData("simulate", "--validate", "--pairs", "/proc/mecom/pairs.json", "cannot write /proc/mecom/pairs.json")]
    [InlineData("simulate", "--from-pairs", "/nonexistent/pairs.json", "/nonexistent/pairs.json")]
    [InlineData("simulate", "--from-pairs", "/nonexistent/pairs.json", "--plot", "/proc/mecom-plots", "cannot write /proc/mecom-plots")]
    [InlineData("tune", "--wkdm", "9", "--wkdm: '9'")]
    [InlineData("tune", "--raw-above", "1.5", "--raw-above: '1.5'")]
    [InlineData("migrate", "source", "--to", "nowhere", "--to 'nowhere' is not HOST:PORT")]
    [InlineData("migrate", "target", "--listen", "1.2.3.4:99999", "is not HOST:PORT")]
    public void Migration_commands_refuse_bad_input_in_one_line(params string[] argsAndMessage)
    {
        (int code, string error) = Run(argsAndMessage[..^1]);
        Assert.Equal(2, code);
        Assert.Contains(argsAndMessage[^1], error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Tune_needs_one_entry_not_a_folder()
    {
        (int code, string error) = Run("tune", "--corpus", Support.Corpora.ShippedFolder, "--no-confirm");
        Assert.Equal(2, code);
        Assert.Contains("one entry", error);
    }

    [Fact]
    public void Verbose_is_accepted_by_every_command_and_errors_stay_one_line_without_it()
    {
        // With --verbose a user error keeps its message on the first line and adds where it came from
        // (an internal ArgumentException would otherwise pass for a usage error with no way to see more).
        (int code, string error) = Run("migrate", "--bandwidth", "fast", "--verbose");
        Assert.Equal(2, code);
        string[] lines = error.Trim().Split('\n');
        Assert.Contains("bad bandwidth 'fast'", lines[0]);
        Assert.True(lines.Length > 1, "--verbose added no stack trace");
        Mecom.Harness.Cli.CliErrors.Verbose = false;
        (code, error) = Run("migrate", "--bandwidth", "fast");
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Equal(1, Mecom.Harness.Cli.CliErrors.Guard(() => throw new InvalidOperationException("boom")));
    }
    [Fact]
    public void Simulate_with_free_cpu_gives_the_same_runs_twice_and_refuses_validation()
    {
        string dir = Directory.CreateTempSubdirectory("mecom-free-cpu").FullName;
        try
        {
            string Runs(string name)
            {
                string path = Path.Combine(dir, name);
                Assert.Equal(0, Program.Main(["simulate", "--free-cpu", "--strategy", "lz4,mecom+delta,adaptive", "--dirty-rate", "3000", "--seed", "5", "--json", path]));
                var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
                return json["runs"]!.ToJsonString();
            }

            string first = Runs("a.json");
            Assert.Equal(first, Runs("b.json"));
            Assert.Contains("\"compressCpuSeconds\":0,", first);
            (int code, string error) = Run("simulate", "--free-cpu", "--validate");
            Assert.Equal(2, code);
            Assert.Contains("--free-cpu", error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
    /// <summary>Command lines the parser refuses, and the one line each must give.</summary>
    public static TheoryData<string, string> Refused => new()
    {
        { "gate", "Option '--baseline' is required. (see 'mecom gate --help')" },
        { "codecs --passes abc", "--passes takes a whole number, got 'abc' (see 'mecom codecs --help')" },
        { "codecs --sort foo", "--sort takes one of compress, decompress, ratio, name, got 'foo'" },
        { "migrate --latency x", "--latency takes a number, got 'x' (see 'mecom migrate --help')" },
        { "corpus stats --bogus", "'--bogus'. (see 'mecom corpus stats --help')" },
        { "bogus", "'bogus'. (see 'mecom --help')" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_command_line_the_parser_refuses_is_one_line_and_exit_2(string args, string expected)
    {
        (int code, string error) = Run(args.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("Mecom.", error);
    }

    [Fact]
    public void A_bad_threshold_and_unwritable_plot_folders_are_refused_before_anything_is_read()
    {
        (int code, string error) = Run("gate", "--baseline", "/nonexistent/base.json", "--threshold", "abc");
        Assert.Equal(2, code);
        Assert.Contains("--threshold 'abc' is not a threshold", error);

        string file = Path.GetTempFileName();
        try
        {
            // A folder below a file cannot be made: refused before the corpus (which does not exist) is read.
            (code, error) = Run("codecs", "--corpus", "/nonexistent/entry", "--plot", Path.Combine(file, "plots"));
            Assert.Equal(2, code);
            Assert.DoesNotContain("/nonexistent/entry", error);
            (code, error) = Run("corpus", "stats", "--corpus", "/nonexistent/entry", "--plot", Path.Combine(file, "plots"));
            Assert.Equal(2, code);
            Assert.DoesNotContain("/nonexistent/entry", error);
        }
        finally
        {
            File.Delete(file);
        }
    }
    [Fact]
    public void The_codec_list_runs_without_a_corpus()
    {
        Assert.Equal(0, Run("codecs", "--list", "--corpus", "/nonexistent/entry").Code);
    }
    [Theory]
    [InlineData("--workers")]
    [InlineData("--threads")]
    public void Tune_names_its_worker_counts_as_migrate_does_and_keeps_the_old_name(string option)
    {
        (int code, string error) = Run("tune", option, "0,999", "--corpus", "/nonexistent/entry");
        Assert.Equal(2, code);
        Assert.Contains("--workers: '999' is not a whole number in 0..256", error);
    }
}
