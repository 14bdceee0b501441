using System.Diagnostics;
using System.Text;

namespace WarehouseOms.FaultTests;

/// <summary>Runs programs of the private servers, as their own system user when the tests run as root.</summary>
public static class OsProcess
{
    public static bool IsRoot { get; } = Environment.UserName == "root";

    /// <summary>Runs to completion; throws with the output when the exit code is not 0.</summary>
    public static async Task<string> RunAsync(string? asUser, string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(asUser, file, arguments, environment, out var output);
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        process.WaitForExit(); // flushes the asynchronous output readers
        return process.ExitCode == 0
            ? output.ToString()
            : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
    }

    /// <summary>Starts a long-running program; its output is collected in <paramref name="output"/>.</summary>
    public static Process Start(string? asUser, string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, out StringBuilder output)
    {
        var info = new ProcessStartInfo(asUser is not null && IsRoot ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUser is not null && IsRoot)
        {
            // runuser keeps the caller's environment; env sets the server's own variables for the child.
            foreach (var argument in new[] { "-u", asUser, "--", "env" })
            {
                info.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                info.ArgumentList.Add($"{key}={value}");
            }

            info.ArgumentList.Add(file);
        }
        else
        {
            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                info.Environment[key] = value;
            }
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var collected = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(collected, e.Data);
        process.ErrorDataReceived += (_, e) => Append(collected, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = collected;
        return process;
    }

    /// <summary>A fresh directory under the temp folder, owned by <paramref name="owner"/> when running as root.</summary>
    public static async Task<string> TempDirectoryAsync(string prefix, string? owner)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(path);
        if (owner is not null && IsRoot)
        {
            await RunAsync(null, "chown", ["-R", owner, path]);
        }

        return path;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
