using System.Net;
using System.Net.Sockets;

namespace WarehouseOms.Testing;

/// <summary>Ports on loopback for servers a test starts as processes of their own.</summary>
public static class LocalPorts
{
    /// <summary>A port free right now (the OS picks it); the caller binds it soon after.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
