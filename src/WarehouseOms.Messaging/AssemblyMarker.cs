namespace WarehouseOms.Messaging;
internal static class AssemblyMarker { }
