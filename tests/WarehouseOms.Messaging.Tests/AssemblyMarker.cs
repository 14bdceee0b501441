namespace WarehouseOms.Messaging.Tests;
internal static class AssemblyMarker { }
