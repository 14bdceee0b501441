namespace WarehouseOms.Persistence;
internal static class AssemblyMarker { }
