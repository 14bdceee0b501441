namespace WarehouseOms.Activities.Tests;
internal static class AssemblyMarker { }
