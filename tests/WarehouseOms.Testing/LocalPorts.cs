using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace WarehouseOms.Testing;

/// <summary>
/// Ports on loopback for servers a test starts as processes of their own. They are picked below the OS's ephemeral
/// range: a port the OS picked (bind to port 0) and released could be handed out again by the OS to anything that
/// binds port 0 meanwhile, such as the service's embedded engine (<c>Temporal:EmbeddedPort=0</c>), which then took
/// the service's HTTP port before Kestrel bound it. Below that range the OS hands out nothing, and each port is handed
/// out once per test process.
/// </summary>
public static class LocalPorts
{
    private static readonly Lock Gate = new();
    private static readonly (int First, int Last) Range = BelowEphemeral();
    private static int next = Range.First + Random.Shared.Next(Range.Last - Range.First + 1); // apart from other test processes

    /// <summary>A port free right now that no other caller in this process got; the caller binds it soon after.</summary>
    public static int Free()
    {
        lock (Gate)
        {
            for (var tried = 0; tried <= Range.Last - Range.First; tried++)
            {
                var port = next;
                next = next == Range.Last ? Range.First : next + 1;
                if (IsFree(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Range.First} and {Range.Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux's ephemeral range (default 32768–60999); half of what lies below it, from 16384 with the default.
    private static (int First, int Last) BelowEphemeral()
    {
        var lowest = 32768;
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            lowest = int.Parse(text[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or unreadable: keep the default.
        }

        return lowest > 2048 ? (lowest / 2, lowest - 1) : (20000, 32767);
    }
}
