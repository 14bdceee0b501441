using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WarehouseOms.Persistence;

/// <summary>
/// Lets EF Core tooling (<c>dotnet ef migrations add</c>, <c>dotnet ef database update</c>) build the
/// context without the Host. Reads <c>ConnectionStrings__WarehouseOms</c>, else the dev default.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<WarehouseOmsDbContext>
{
    public const string DevelopmentConnectionString =
        "Host=localhost;Port=5432;Database=warehouse_oms;Username=warehouse_oms;Password=warehouse_oms";

    public WarehouseOmsDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__WarehouseOms") ?? DevelopmentConnectionString;
        return new WarehouseOmsDbContext(new DbContextOptionsBuilder<WarehouseOmsDbContext>().UseNpgsql(connectionString).Options);
    }
}
