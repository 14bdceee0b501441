namespace WarehouseOms.Domain;
internal static class AssemblyMarker { }
