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

    /// <summary>Apply EF Core migrations when the host starts (default true).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Insert the demo catalogue (SKUs, stock, one kit) if absent. For development and tests only.</summary>
    public bool SeedDemoData { get; set; }
}
