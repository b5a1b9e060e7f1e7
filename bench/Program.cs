namespace Mecom.Bench; static class Program { static void Main() { } }
