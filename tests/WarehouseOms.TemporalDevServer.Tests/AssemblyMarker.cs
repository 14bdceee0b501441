namespace WarehouseOms.TemporalDevServer.Tests;
internal static class AssemblyMarker { }
