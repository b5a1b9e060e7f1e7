using System.Text.RegularExpressions;
using Mecom.Tests.Support;
using SkiaSharp;

namespace Mecom.Tests.Harness;

/// <summary>The report page as a person sees it: rendered by a real headless browser, every plot decoded, not blank.</summary>
[Collection("console")]
public sealed partial class HtmlReportTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mecom-html-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string? Chromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    [Fact]
    public void The_run_report_renders_in_a_browser_with_every_plot_and_a_page_of_content()
    {
        string? chromium = Chromium();
        Assert.SkipUnless(chromium is not null, "no headless browser: .ci/run installs Debian's chromium with apt-get");

        string tiny = Path.Combine(folder, "tiny");
        string results = Path.Combine(folder, "results");
        Run("corpus", "sample", "--from", Path.Combine(Corpora.ShippedFolder, "python-sqlite"), "--pages", "64", "--out", tiny);
        Run("run", "--corpus", tiny, "--out", results, "--passes", "1", "--no-migrate");
        string simulated = Path.Combine(folder, "sim.json");
        Run("simulate", "--free-cpu", "--strategy", "raw,mecom", "--dirty-rate", "2000", "--json", simulated, "--plot", results);
        string page = Path.Combine(folder, "report.html");
        Run("report", results, simulated, "--html", page);

        string html = File.ReadAllText(page);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("<h2>Codecs</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<h2>Migration</h2>", html, StringComparison.Ordinal);
        int images = Regex.Count(html, "<img ");
        Assert.True(images >= 4, $"{images} plots embedded");

        string dom = Browser(chromium!, "--dump-dom", $"file://{page}");
        Match loaded = ImagesLoaded().Match(dom);
        Assert.True(loaded.Success, "the page's load script did not run");
        Assert.Equal($"{images}/{images}", loaded.Groups[1].Value);

        string blank = Path.Combine(folder, "blank.html");
        File.WriteAllText(blank, "<!DOCTYPE html><html><body></body></html>");
        double report = InkShare(chromium!, page, "report.png");
        double empty = InkShare(chromium!, blank, "blank.png");
        Assert.True(empty < 0.01, $"the empty page has {empty:P1} ink");
        Assert.True(report > 0.05, $"the report's first screen has only {report:P1} ink against {empty:P1} for an empty page");
    }

    /// <summary>The share of a screenshot's pixels that are not white.</summary>
    private double InkShare(string chromium, string page, string name)
    {
        string png = Path.Combine(folder, name);
        Browser(chromium, $"--screenshot={png}", "--window-size=1280,1600", $"file://{page}");
        using SKBitmap bitmap = SKBitmap.Decode(png) ?? throw new InvalidOperationException($"{png}: no screenshot");
        long ink = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
        {
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                SKColor c = bitmap.GetPixel(x, y);
                ink += c.Red < 240 || c.Green < 240 || c.Blue < 240 ? 1 : 0;
            }
        }

        return ink / ((bitmap.Width / 2.0) * (bitmap.Height / 2.0));
    }

    private string Browser(string chromium, params string[] args)
    {
        using var browser = ChildProcess.Start(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=5000",
            $"--user-data-dir={Path.Combine(folder, "profile")}", .. args]);
        if (!browser.Process.WaitForExit(60_000))
        {
            throw new TimeoutException("the headless browser did not finish in 60 s");
        }

        return browser.Output.GetAwaiter().GetResult();
    }

    private static void Run(params string[] args)
    {
        (int code, string error) = CliTests.Run(args);
        Assert.True(code == 0, $"mecom {string.Join(' ', args)} exited {code}: {error}");
    }

    [GeneratedRegex("data-images-loaded=\"([0-9]+/[0-9]+)\"")]
    private static partial Regex ImagesLoaded();
}
