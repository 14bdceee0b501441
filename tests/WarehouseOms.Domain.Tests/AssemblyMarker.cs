namespace WarehouseOms.Domain.Tests;
internal static class AssemblyMarker { }
