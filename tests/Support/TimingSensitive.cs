namespace Mecom.Tests.Support;

/// <summary>
/// Tests that run real migrations or compare against them share the machine with nothing else: other test
/// classes run in parallel by default, and two cores shared with them would distort the comparisons.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "timing-sensitive";
}
