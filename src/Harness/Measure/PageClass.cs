using Mecom.Codecs.Pages;
using Mecom.Codecs.WordPattern;

namespace Mecom.Harness.Measure;

/// <summary>What kind of page it is, by the cheap tests a selector can afford.</summary>
public enum PageClass
{
    /// <summary>Every byte zero.</summary>
    Zero,

    /// <summary>One non-zero 64-bit value repeated.</summary>
    SameFilled,

    /// <summary>WKdm's exact size is at most half a page (XNU's threshold for keeping WKdm's output).</summary>
    WkdmFriendly,

    /// <summary>Everything else.</summary>
    Other,
}

public static class PageClassifier
{
    public static IReadOnlyList<PageClass> All { get; } = Enum.GetValues<PageClass>();

    public static PageClass Classify(ReadOnlySpan<byte> page)
    {
        if (ZeroPage.IsZero(page))
        {
            return PageClass.Zero;
        }

        if (SameFilledPage.TryGetFillValue(page, out _))
        {
            return PageClass.SameFilled;
        }

        return WkdmModel.Analyze(page).Size <= page.Length / 2 ? PageClass.WkdmFriendly : PageClass.Other;
    }

    /// <summary>The JSON and CSV name of a class.</summary>
    public static string Key(PageClass c) => c switch
    {
        PageClass.Zero => "zero",
        PageClass.SameFilled => "sameFilled",
        PageClass.WkdmFriendly => "wkdmFriendly",
        _ => "other",
    };
}
