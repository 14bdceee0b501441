using System.Net;
using Grpc.Core;

namespace WarehouseOms.TemporalDevServer.Grpc;

internal static class CallContextExtensions
{
    /// <summary>Where this call came in (ip:port): the engine's address as the calling client reaches it.</summary>
    public static string LocalAddress(this ServerCallContext context)
    {
        var connection = context.GetHttpContext().Connection;
        return new IPEndPoint(connection.LocalIpAddress ?? IPAddress.Loopback, connection.LocalPort).ToString();
    }
}
