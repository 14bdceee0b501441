using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Temporalio.Client;
using WarehouseOms.TemporalDevServer.Tests.Infrastructure;

namespace WarehouseOms.TemporalDevServer.Tests.Smoke;

/// <summary>The executable form: prints its address once it accepts connections, stops cleanly on a signal.</summary>
public sealed partial class ExecutableSmokeTests
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    [Theory(Timeout = 60_000)]
    [InlineData(SigTerm)]
    [InlineData(SigInt)]
    public async Task Executable_StopSignal_ShutsDownCleanly(int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // POSIX signals only.
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        using var process = Process.Start(new ProcessStartInfo(DevServerExecutable.Path, "--port 0")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        try
        {
            var target = await ReadTargetAsync(process, deadline.Token);
            var client = await TemporalClient.ConnectAsync(new(target));
            var info = await client.WorkflowService.GetSystemInfoAsync(new(), new() { CancellationToken = deadline.Token });
            Assert.NotNull(info);

            Assert.Equal(0, Kill(process.Id, signal));
            await process.WaitForExitAsync(deadline.Token);
            var rest = await process.StandardOutput.ReadToEndAsync(deadline.Token);

            Assert.Equal(0, process.ExitCode);
            Assert.Contains("stopped", rest, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Executable_LogsNoLinePerRequest_AndRefusesAnUnknownLogLevel()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // POSIX signals only.
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        using (var process = Process.Start(new ProcessStartInfo(DevServerExecutable.Path, "--port 0 --log-level info")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!)
        {
            try
            {
                var client = await TemporalClient.ConnectAsync(new(await ReadTargetAsync(process, deadline.Token)));
                for (var i = 0; i < 20; i++)
                {
                    await client.WorkflowService.GetSystemInfoAsync(new(), new() { CancellationToken = deadline.Token });
                }

                Assert.Equal(0, Kill(process.Id, SigTerm));
                await process.WaitForExitAsync(deadline.Token);
                var rest = await process.StandardOutput.ReadToEndAsync(deadline.Token);
                Assert.Equal(0, process.ExitCode);
                Assert.DoesNotContain("Request starting", rest, StringComparison.Ordinal);
                Assert.DoesNotContain("GetSystemInfo", rest, StringComparison.Ordinal);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
        }

        using var refused = Process.Start(new ProcessStartInfo(DevServerExecutable.Path, "--port 0 --log-level chatty")
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var error = await refused.StandardError.ReadToEndAsync(deadline.Token);
        await refused.WaitForExitAsync(deadline.Token);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--log-level chatty", error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task SearchAttributes_TheSdkEnvironmentPasses_AreRegisteredInTheNamespace()
    {
        // The SDK hands its environment's search attributes to the dev server as --search-attribute NAME=TYPE.
        await using var environment = await Temporalio.Testing.WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new() { ExistingPath = DevServerExecutable.Path, StartupTimeout = TimeSpan.FromSeconds(30) },
            SearchAttributes = [Temporalio.Common.SearchAttributeKey.CreateKeyword("OrderRegion"), Temporalio.Common.SearchAttributeKey.CreateKeywordList("OrderTags")],
        });

        var listed = await environment.Client.Connection.OperatorService.ListSearchAttributesAsync(new() { Namespace = environment.Client.Options.Namespace });
        Assert.Equal(Temporalio.Api.Enums.V1.IndexedValueType.Keyword, listed.CustomAttributes["OrderRegion"]);
        Assert.Equal(Temporalio.Api.Enums.V1.IndexedValueType.KeywordList, listed.CustomAttributes["OrderTags"]);

        using var refused = Process.Start(new ProcessStartInfo(DevServerExecutable.Path, "--port 0 --search-attribute OrderRegion=Word")
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var error = await refused.StandardError.ReadToEndAsync();
        await refused.WaitForExitAsync();
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("OrderRegion=Word", error, StringComparison.Ordinal);
    }

    private static async Task<string> ReadTargetAsync(Process process, CancellationToken ct)
    {
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                return match.Groups["target"].Value;
            }
        }

        throw new InvalidOperationException("The dev server exited before printing its address.");
    }

    [GeneratedRegex(@"listening on (?<target>[0-9.]+:[0-9]+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
