using System.Diagnostics;
using System.Text;

namespace WarehouseOms.FaultTests;

/// <summary>
/// The Temporal engine as a process of its own (<c>WarehouseOms.TemporalDevServer --db …</c>, durable store), for
/// a service pointed at it with <c>Temporal__Address</c>: stopped and started again on the same store.
/// </summary>
public sealed class EngineProcess(string connectionString) : IAsyncDisposable
{
    private Process? process;
    private StringBuilder output = new();

    public int Port { get; } = LocalPorts.Free();

    public string Address => $"127.0.0.1:{Port}";

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public async Task StartAsync()
    {
        process = OsProcess.Start(null, "dotnet", [Dll, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ip", "127.0.0.1", "--db", connectionString], null, out output);
        await Eventually.UntilAsync(
            () => Task.FromResult(Output.Contains("listening on", StringComparison.Ordinal) || process.HasExited),
            started => started,
            "the engine to listen",
            TimeSpan.FromMinutes(1));
        if (process.HasExited)
        {
            throw new InvalidOperationException($"The engine exited with {process.ExitCode}:\n{Output}");
        }
    }

    /// <summary>SIGKILL: the engine is gone at once, as in a crash or a lost machine; its store keeps every committed change.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false } running)
        {
            running.Kill(entireProcessTree: true);
            await running.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process?.Dispose();
    }

    private static string Dll { get; } = BuildOutput.Locate("WarehouseOms.TemporalDevServer");
}

/// <summary>Build outputs of the solution's programs (same configuration as this test assembly).</summary>
public static class BuildOutput
{
    public static string Locate(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent?.Name ?? "Release";
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WarehouseOms.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", project, "bin", configuration, framework, project + ".dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build src/{project} first", dll);
            }
        }

        throw new DirectoryNotFoundException("WarehouseOms.sln not found above " + testOutput.FullName);
    }
}
