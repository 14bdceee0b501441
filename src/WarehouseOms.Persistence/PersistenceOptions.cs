using System.ComponentModel.DataAnnotations;

namespace WarehouseOms.Persistence;

/// <summary>Configuration section <c>Persistence</c>; the connection string is <c>ConnectionStrings:WarehouseOms</c>.</summary>
public sealed class PersistenceOptions
{
    public const string SectionName = "Persistence";
    public const string ConnectionStringName = "WarehouseOms";

    /// <summary>Bound from <c>ConnectionStrings:WarehouseOms</c>.</summary>
    [Required]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// PostgreSQL connections this process may hold in all: the service's pool and the embedded engine's
    /// store (<see cref="ConnectionBudget"/>). Default 32: three instances fit under Debian's max_connections of 100.
    /// </summary>
    [Range(4, 1000)]
    public int MaxConnections { get; set; } = ConnectionBudget.DefaultMaxConnections;

    /// <summary>Apply EF Core migrations when the host starts (default true).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Insert the demo catalogue (SKUs, stock, one kit) if absent. For development and tests only.</summary>
    public bool SeedDemoData { get; set; }
}
