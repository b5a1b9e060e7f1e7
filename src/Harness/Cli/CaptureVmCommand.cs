using System.CommandLine;
using Mecom.Harness.Corpus;
using Mecom.Harness.Qemu;
using Spectre.Console;

namespace Mecom.Harness.Cli;

/// <summary>
/// <c>mecom corpus capture-vm</c>: full guest-physical dumps of a running QEMU guest over QMP
/// (<c>stop</c>, <c>pmemsave</c>, <c>cont</c>), converted into an image and a trace. corpora/vm/capture.sh
/// boots a guest and calls this.
/// </summary>
public static class CaptureVmCommand
{
    public static Command Create()
    {
        var qmp = new Option<string>("--qmp") { Description = "the guest's QMP unix socket", Required = true };
        var ram = new Option<int>("--ram-mib") { Description = "guest RAM in MiB (dumped from guest-physical 0)", Required = true };
        var output = new Option<string>("--out") { Description = "stem of the entry to write", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "dumps after the first, one per interval", DefaultValueFactory = _ => 5 };
        var interval = new Option<int>("--interval-ms") { Description = "guest run time between dumps", DefaultValueFactory = _ => 1000 };
        var description = new Option<string>("--description") { Description = "what the guest runs", DefaultValueFactory = _ => "a Linux guest" };
        var capturedWith = new Option<string>("--captured-with") { Description = "QEMU, kernel and command line, for the metadata", DefaultValueFactory = _ => "QEMU TCG" };
        var command = new Command("capture-vm", "dump a running QEMU guest's memory over QMP into a corpus entry with a trace")
        {
            qmp, ram, output, epochs, interval, description, capturedWith,
        };
        command.SetAction(r => CliErrors.Guard(() => Run(r.GetValue(qmp)!, r.GetValue(ram), r.GetValue(output)!, r.GetValue(epochs),
            r.GetValue(interval), r.GetValue(description)!, r.GetValue(capturedWith)!)));
        return command;
    }

    private static int Run(string socket, int ramMib, string stem, int epochs, int intervalMs, string description, string capturedWith)
    {
        if (ramMib < 1 || ramMib > 3072 || epochs < 0 || intervalMs < 1)
        {
            throw new ArgumentException("--ram-mib must be 1..3072 (one RAM block below 4 GiB), --epochs >= 0, --interval-ms >= 1");
        }

        OutputPaths.CheckWritable(stem + ".meta.json");
        using var qmp = new QmpClient(socket);
        IReadOnlyList<int> dirty = VmCapture.Capture(qmp, ramMib, stem, epochs, intervalMs, description, capturedWith,
            line => AnsiConsole.MarkupLine(Markup.Escape(line)));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(stem)}: {((long)ramMib << 8):N0} pages; dirty pages per epoch {string.Join(", ", dirty)}; replay verified against every dump");
        return 0;
    }
}
