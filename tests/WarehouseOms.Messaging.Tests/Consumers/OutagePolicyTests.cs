using System.Net.Sockets;
using Npgsql;
using WarehouseOms.Messaging.Consumers;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>Which faults count as an outage (message back to its queue) rather than a wrong message (to _error).</summary>
public sealed class OutagePolicyTests
{
    [Fact]
    public void A_refused_database_connection_is_an_outage_also_when_ef_core_wraps_it()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));

        Assert.True(OutagePolicy.IsOutage(refused));
        Assert.True(OutagePolicy.IsOutage(new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", refused)));
        Assert.True(OutagePolicy.IsOutage(new SocketException((int)SocketError.ConnectionRefused)));
    }

    [Fact]
    public void A_wrong_message_is_not_an_outage()
    {
        Assert.False(OutagePolicy.IsOutage(null));
        Assert.False(OutagePolicy.IsOutage(new InvalidOperationException("no such order")));
        Assert.False(OutagePolicy.IsOutage(new FormatException("bad", new ArgumentException("inner"))));
    }
}
