namespace Mecom.Harness.Migration.Guest;

/// <summary>The guest a run migrates: its starting memory and what keeps writing it.</summary>
/// <param name="Name">The corpus entry's name.</param>
/// <param name="Image">The memory at migration start (never modified: each run copies it).</param>
/// <param name="PageSize">Page size.</param>
/// <param name="MakeWorkload">A fresh workload per run.</param>
public sealed record GuestSpec(string Name, byte[] Image, int PageSize, Func<GuestWorkload> MakeWorkload)
{
    public long Pages => Image.Length / PageSize;
}
