using System.ComponentModel.DataAnnotations;

namespace WarehouseOms.Host.Reconciliation;

/// <summary>Section <c>Reconciler</c> (ADR 0030): the periodic check of orders against their workflows, stock and payments.</summary>
public sealed class ReconcilerOptions
{
    public const string SectionName = "Reconciler";

    /// <summary>Run it in this process (one instance at a time runs, whatever this says: a PostgreSQL advisory lock).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between runs; the first run comes one interval after start.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Grace period: an order changed more recently than this is not judged, so orders in flight (a compensation
    /// running, a workflow about to start) are never flagged.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan MinAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Rows read per kind and run (one index range scan each); the next run goes on where this one stopped.</summary>
    [Range(1, 10_000)]
    public int PageSize { get; set; } = 200;
}
