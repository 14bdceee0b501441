using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;

namespace WarehouseOms.TemporalDevServer.Tests.Durability;

/// <summary>
/// The dev server executable on a PostgreSQL store, as a child process that can be killed with SIGKILL
/// and started again on the same port and database, as a crashed server would be.
/// </summary>
public sealed class EngineProcess : IAsyncDisposable
{
    private const int SigKill = 9;
    private readonly string connectionString;
    private readonly string[] extraArgs;
    private readonly StringBuilder output = new();
    private Process? process;

    public EngineProcess(string connectionString, params string[] extraArgs)
    {
        this.connectionString = connectionString;
        this.extraArgs = extraArgs;
        Port = LocalPorts.Free();
    }

    public int Port { get; }

    public string Target => $"127.0.0.1:{Port}";

    /// <summary>What the process printed (stdout and stderr), for failure messages.</summary>
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

    /// <summary>Starts the engine and waits until it listens (restoring the store comes first).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = await TryStartAsync(cancellationToken);
        if (started is not null)
        {
            throw new InvalidOperationException($"The engine exited with {started}: {Output}");
        }
    }

    /// <summary>Starts the engine; null once it listens, or its exit code when it refused to start.</summary>
    public async Task<int?> TryStartAsync(CancellationToken cancellationToken)
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var info = new ProcessStartInfo(DevServerExecutable.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", connectionString }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        process = new Process { StartInfo = info, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync(cancellationToken);
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken));
        if (first == exited)
        {
            return process.ExitCode;
        }

        if (first != listening.Task)
        {
            throw new TimeoutException($"The engine did not start listening: {Output}");
        }

        return null;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false } running)
        {
            Assert.Equal(0, Kill(running.Id, SigKill));
            await running.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process?.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
