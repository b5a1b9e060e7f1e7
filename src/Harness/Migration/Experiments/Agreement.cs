namespace Mecom.Harness.Migration.Experiments;

/// <summary>What a paired deviation's interval says of a band around zero.</summary>
public enum Agreement
{
    NoInterval,
    Within,
    Outside,
    Undecided,
}
