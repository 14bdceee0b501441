namespace WarehouseOms.IntegrationTests;
internal static class AssemblyMarker { }
