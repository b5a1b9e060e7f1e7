using System.CommandLine;
using System.CommandLine.Parsing;

namespace Mecom.Harness.Cli;

/// <summary>
/// A command line the parser refuses, said as one line that names the option and what it takes, with a
/// pointer to the command's help: exit 2 like every error a user can fix, never the help page and exit 1
/// (1 is what <c>gate</c> returns for a regression, so in CI a typo would read as one).
/// </summary>
public static class ParseErrors
{
    /// <summary>The one line for <paramref name="parsed"/>'s errors.</summary>
    public static string Describe(ParseResult parsed)
    {
        // A stray word is the cause when it is there ('mecom bogus' also lacks a command, which says less).
        ParseError error = parsed.Errors.FirstOrDefault(e => e.Message.Contains("not matched", StringComparison.Ordinal)
            || e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
        string help = $"see '{CommandPath(parsed.CommandResult.Command)} --help'";
        return $"{What(error)} ({help})";
    }

    private static string What(ParseError error)
    {
        Option? option = error.SymbolResult switch
        {
            OptionResult o => o.Option,
            ArgumentResult { Parent: OptionResult o } => o.Option,
            _ => null,
        };
        if (option is null || !error.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal))
        {
            // The parser's own words are already one clear sentence for the rest (a missing required
            // option, an unknown option or command); only its suggestions list goes.
            int suggestions = error.Message.IndexOf(" Did you mean", StringComparison.Ordinal);
            return suggestions < 0 ? error.Message : error.Message[..suggestions];
        }

        string given = error.SymbolResult is ArgumentResult a && a.Tokens.Count > 0 ? a.Tokens[^1].Value
            : error.SymbolResult is OptionResult r && r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        return $"{option.Name} takes {Takes(option.ValueType)}, got '{given}'";
    }

    /// <summary>What values of <paramref name="type"/> look like, in a user's words.</summary>
    public static string Takes(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int32 or TypeCode.Int64 or TypeCode.Int16 => "a whole number",
            TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.UInt16 or TypeCode.Byte => "a whole number >= 0",
            TypeCode.Double or TypeCode.Single or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            _ => $"a {type.Name.ToLowerInvariant()}",
        };
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return string.Join(' ', names.Prepend("mecom"));
    }
}
