namespace WarehouseOms.Activities;
internal static class AssemblyMarker { }
