using Microsoft.EntityFrameworkCore;
using WarehouseOms.Persistence.Orders;

namespace WarehouseOms.Persistence.History;

/// <summary>EF mapping of oms.order_events and oms.order_summaries (column names: the context's snake_case pass).</summary>
internal static class OrderHistoryModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        var events = modelBuilder.Entity<OrderEventRecord>();
        events.ToTable("order_events", WarehouseOmsDbContext.OmsSchema, t => t.HasCheckConstraint("ck_order_events_version", "version > 0"));
        // The optimistic concurrency check: a second writer of the same version gets a unique violation.
        events.HasKey(e => new { e.OrderId, e.Version }).HasName("pk_order_events");
        events.Property(e => e.EventType).HasMaxLength(64);
        events.Property(e => e.Payload).HasColumnType("jsonb");

        var summaries = modelBuilder.Entity<OrderSummaryRecord>();
        summaries.ToTable("order_summaries", WarehouseOmsDbContext.OmsSchema);
        summaries.HasKey(s => s.OrderId).HasName("pk_order_summaries");
        summaries.Property(s => s.Status)
            .HasConversion(OrderStatusText.Converter)
            .HasMaxLength(16);
        summaries.Property(s => s.Step).HasMaxLength(64);
        summaries.Property(s => s.Lines).HasColumnType("jsonb");
        summaries.Property(s => s.Currency).HasMaxLength(3);
        summaries.Property(s => s.TotalAmount).HasPrecision(18, 3);
        summaries.Property(s => s.CapturedAmount).HasPrecision(18, 3);
        summaries.Property(s => s.RefundedAmount).HasPrecision(18, 3);
        // GET /orders?status=…: newest first within a status, and newest first overall.
        summaries.HasIndex(s => new { s.Status, s.UpdatedAt }).IsDescending(false, true).HasDatabaseName("ix_order_summaries_status_updated_at");
        summaries.HasIndex(s => s.UpdatedAt).IsDescending().HasDatabaseName("ix_order_summaries_updated_at");
    }
}
