using System.Reflection;
using System.Runtime.InteropServices;

namespace WarehouseOms.TemporalDevServer.Tests.Infrastructure;

/// <summary>
/// Finds the built dev server executable that WorkflowEnvironment launches (ExistingPath).
/// </summary>
/// <remarks>
/// Order: the <c>WAREHOUSEOMS_TEMPORAL_DEVSERVER_PATH</c> environment variable; the apphost next to the
/// referenced WarehouseOms.TemporalDevServer assembly (the ProjectReference copies dll, apphost,
/// deps.json and runtimeconfig.json into this test project's output); the server project's own
/// bin/&lt;Configuration&gt;/&lt;tfm&gt; folder found by walking up to WarehouseOms.sln. The SDK starts
/// the path as a process, so it must be the apphost, never the .dll.
/// </remarks>
public static class DevServerExecutable
{
    public const string EnvironmentVariable = "WAREHOUSEOMS_TEMPORAL_DEVSERVER_PATH";
    private const string AssemblyName = "WarehouseOms.TemporalDevServer";

    private static readonly Lazy<string> Located = new(Locate);

    public static string Path => Located.Value;

    private static string AppHostName =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? AssemblyName + ".exe" : AssemblyName;

    private static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new FileNotFoundException($"{EnvironmentVariable} points at a missing file", fromEnvironment);
        }

        var candidates = new List<string>();
        var referenced = Assembly.Load(new AssemblyName(AssemblyName)).Location;
        if (!string.IsNullOrEmpty(referenced))
        {
            candidates.Add(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(referenced)!, AppHostName));
        }

        candidates.Add(System.IO.Path.Combine(AppContext.BaseDirectory, AppHostName));
        candidates.AddRange(ServerProjectOutputs());

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                "The dev server apphost was not found; build src/WarehouseOms.TemporalDevServer or set "
                + EnvironmentVariable + ". Looked in: " + string.Join(", ", candidates));
    }

    private static IEnumerable<string> ServerProjectOutputs()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory);
        var targetFramework = testOutput.Name;
        var configuration = testOutput.Parent?.Name ?? "Debug";
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "WarehouseOms.sln")))
            {
                yield return System.IO.Path.Combine(
                    dir.FullName, "src", AssemblyName, "bin", configuration, targetFramework, AppHostName);
                yield break;
            }
        }
    }
}
