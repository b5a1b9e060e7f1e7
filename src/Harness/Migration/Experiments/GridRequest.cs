namespace Mecom.Harness.Migration.Experiments;

/// <summary>A migration grid to run: the guests, every strategy at every bandwidth, the settings, and where its outputs go.</summary>
internal sealed record GridRequest(string? Corpus, IReadOnlyList<Strategy> Strategies, IReadOnlyList<double> Bandwidths, MigrationSettings Settings, string? Json, string? Markdown, string? Plot, TunedSettings? Tuned = null);
