namespace WarehouseOms.Workflows.Tests;
internal static class AssemblyMarker { }
