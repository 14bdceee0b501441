using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using WarehouseOms.Domain.Inventory;
using WarehouseOms.Domain.Shipping;
using WarehouseOms.Persistence.History;
using WarehouseOms.Persistence.Inventory;
using WarehouseOms.Persistence.Orders;
using WarehouseOms.Persistence.Outbox;
using WarehouseOms.Persistence.Shipping;
using WarehouseOms.Persistence.Warehouse;

namespace WarehouseOms.Persistence;

/// <summary>
/// One database, one schema per owning system (oms, ims, wms, sms) plus messaging for the outbox.
/// Each system only touches its own schema; the schemas share a database so that a state change and
/// its outbox row commit in one transaction.
/// </summary>
public sealed class WarehouseOmsDbContext(DbContextOptions<WarehouseOmsDbContext> options) : DbContext(options)
{
    public const string OmsSchema = "oms";
    public const string ImsSchema = "ims";
    public const string WmsSchema = "wms";
    public const string SmsSchema = "sms";
    public const string MessagingSchema = "messaging";

    public DbSet<OrderRecord> Orders => Set<OrderRecord>();

    public DbSet<OrderLineRecord> OrderLines => Set<OrderLineRecord>();

    public DbSet<OrderRejectionRecord> OrderRejections => Set<OrderRejectionRecord>();

    public DbSet<PaymentRecord> Payments => Set<PaymentRecord>();

    public DbSet<ItemRecord> Items => Set<ItemRecord>();

    public DbSet<ItemMessageRecord> ItemMessages => Set<ItemMessageRecord>();

    public DbSet<StockItemRecord> StockItems => Set<StockItemRecord>();

    public DbSet<BomComponentRecord> BomComponents => Set<BomComponentRecord>();

    public DbSet<ReservationRecord> Reservations => Set<ReservationRecord>();

    public DbSet<LineAdditionRecord> LineAdditions => Set<LineAdditionRecord>();

    public DbSet<StockReceiptRecord> StockReceipts => Set<StockReceiptRecord>();

    public DbSet<PickWaveRecord> PickWaves => Set<PickWaveRecord>();

    public DbSet<ShipmentRecord> Shipments => Set<ShipmentRecord>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<OrderEventRecord> OrderEvents => Set<OrderEventRecord>();

    public DbSet<OrderSummaryRecord> OrderSummaries => Set<OrderSummaryRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        ConfigureOms(modelBuilder);
        ConfigureIms(modelBuilder);
        ConfigureWms(modelBuilder.Entity<PickWaveRecord>());
        ConfigureSms(modelBuilder.Entity<ShipmentRecord>());
        ConfigureOutbox(modelBuilder.Entity<OutboxMessage>());
        OrderHistoryModel.Configure(modelBuilder);

        // PostgreSQL convention: snake_case columns, so hand-written SQL (relay, operators) reads naturally.
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    private static void ConfigureOms(ModelBuilder modelBuilder)
    {
        var order = modelBuilder.Entity<OrderRecord>();
        order.ToTable("orders", OmsSchema, t => t.HasCheckConstraint(
            "ck_orders_status", "status IN ('CREATED','RESERVED','AWAITING_PAYMENT','PAID','SHIPPED','COMPLETED','FAILED','CANCELLED')"));
        order.HasKey(o => o.OrderId).HasName("pk_orders");
        order.HasIndex(o => o.RequestId).IsUnique().HasDatabaseName("ux_orders_request_id");
        // The reconciler's pages (ADR 0030): partial indexes stay as small as what they hold (open orders).
        order.HasIndex(o => o.OrderId).HasFilter(Reconciliation.EfReconciliationQueries.OpenFilter).HasDatabaseName("ix_orders_open");
        order.Property(o => o.Status).HasConversion(OrderStatusText.Converter).HasMaxLength(16);
        order.Property(o => o.Currency).HasMaxLength(3);
        order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.OrderId).HasConstraintName("fk_order_lines_orders");

        var line = modelBuilder.Entity<OrderLineRecord>();
        line.ToTable("order_lines", OmsSchema, t => t.HasCheckConstraint("ck_order_lines_quantity", "quantity > 0"));
        line.HasKey(l => new { l.OrderId, l.LineNumber }).HasName("pk_order_lines");
        line.Property(l => l.UnitPrice).HasPrecision(18, 3);

        var payment = modelBuilder.Entity<PaymentRecord>();
        payment.ToTable("payments", OmsSchema, t => t.HasCheckConstraint("ck_payments_status", "status IN ('CAPTURED','REFUNDED')"));
        payment.HasKey(p => p.OrderId).HasName("pk_payments");
        payment.HasIndex(p => p.ProviderReference).IsUnique().HasDatabaseName("ux_payments_provider_reference");
        payment.HasIndex(p => p.OrderId).HasFilter(Reconciliation.EfReconciliationQueries.CapturedFilter).HasDatabaseName("ix_payments_captured");
        payment.Property(p => p.Status).HasConversion(UpperCaseEnum<PaymentStatus>()).HasMaxLength(16);
        payment.Property(p => p.ProviderReference).HasMaxLength(64);
        payment.Property(p => p.ApprovedBy).HasMaxLength(128);
        payment.Property(p => p.Amount).HasPrecision(18, 3);
        payment.Property(p => p.RefundedAmount).HasPrecision(18, 3).HasDefaultValue(0m);
        payment.Property(p => p.Currency).HasMaxLength(3);
        payment.Ignore(p => p.Remaining);

        var rejection = modelBuilder.Entity<OrderRejectionRecord>();
        rejection.ToTable("order_rejections", OmsSchema);
        rejection.HasKey(r => r.RequestId).HasName("pk_order_rejections");
    }

    private static void ConfigureIms(ModelBuilder modelBuilder)
    {
        var stock = modelBuilder.Entity<StockItemRecord>();
        stock.ToTable("stock_items", ImsSchema, t =>
        {
            t.HasCheckConstraint("ck_stock_items_on_hand", "on_hand >= 0");
            t.HasCheckConstraint("ck_stock_items_reserved", "reserved >= 0 AND reserved <= on_hand");
            t.HasCheckConstraint("ck_stock_items_reorder", "reorder_point >= 0 AND reorder_quantity >= 0");
        });
        stock.HasKey(s => s.Sku).HasName("pk_stock_items");

        var bom = modelBuilder.Entity<BomComponentRecord>();
        bom.ToTable("bom_components", ImsSchema, t =>
        {
            t.HasCheckConstraint("ck_bom_components_quantity", "quantity > 0");
            t.HasCheckConstraint("ck_bom_components_not_self", "kit_sku <> component_sku");
        });
        bom.HasKey(b => new { b.KitSku, b.ComponentSku }).HasName("pk_bom_components");

        var reservation = modelBuilder.Entity<ReservationRecord>();
        reservation.ToTable("reservations", ImsSchema, t => t.HasCheckConstraint("ck_reservations_quantity", "quantity > 0"));
        reservation.HasKey(r => new { r.OrderId, r.Sku }).HasName("pk_reservations");
        reservation.HasIndex(r => r.OrderId).HasFilter(Reconciliation.EfReconciliationQueries.ReservedFilter).HasDatabaseName("ix_reservations_reserved");
        reservation.Property(r => r.State).HasConversion(LowerCaseEnum<ReservationState>()).HasMaxLength(16);

        var addition = modelBuilder.Entity<LineAdditionRecord>();
        addition.ToTable("line_additions", ImsSchema, t => t.HasCheckConstraint("ck_line_additions_quantity", "quantity > 0"));
        addition.HasKey(a => a.AdditionId).HasName("pk_line_additions");
        addition.HasIndex(a => a.OrderId).HasDatabaseName("ix_line_additions_order_id");

        var item = modelBuilder.Entity<ItemRecord>();
        item.ToTable("items", ImsSchema);
        item.HasKey(i => i.Sku).HasName("pk_items");
        item.Property(i => i.Sku).HasMaxLength(128);
        item.Property(i => i.Name).HasMaxLength(1024);
        item.Property(i => i.UpdatedByMessageId).HasMaxLength(128);

        var itemMessage = modelBuilder.Entity<ItemMessageRecord>();
        itemMessage.ToTable("item_messages", ImsSchema);
        itemMessage.HasKey(m => m.MessageId).HasName("pk_item_messages");
        itemMessage.Property(m => m.MessageId).HasMaxLength(128);
        itemMessage.Property(m => m.Sku).HasMaxLength(128);
        itemMessage.Property(m => m.Kind).HasMaxLength(16);
        itemMessage.Property(m => m.ContentHash).HasMaxLength(64);

        var receipt = modelBuilder.Entity<StockReceiptRecord>();
        receipt.ToTable("stock_receipts", ImsSchema, t => t.HasCheckConstraint("ck_stock_receipts_quantity", "quantity > 0"));
        receipt.HasKey(r => r.ReceiptId).HasName("pk_stock_receipts");
    }

    private static void ConfigureWms(EntityTypeBuilder<PickWaveRecord> pickWave)
    {
        pickWave.ToTable("pick_waves", WmsSchema);
        pickWave.HasKey(p => p.PickWaveId).HasName("pk_pick_waves");
        pickWave.HasIndex(p => p.OrderId).IsUnique().HasDatabaseName("ux_pick_waves_order_id");
        pickWave.Property(p => p.Lines).HasColumnType("jsonb");
    }

    private static void ConfigureSms(EntityTypeBuilder<ShipmentRecord> shipment)
    {
        shipment.ToTable("shipments", SmsSchema);
        shipment.HasKey(s => s.ShipmentId).HasName("pk_shipments");
        shipment.HasIndex(s => s.OrderId).IsUnique().HasDatabaseName("ux_shipments_order_id");
        shipment.HasIndex(s => s.TrackingNumber).IsUnique().HasDatabaseName("ux_shipments_tracking_number");
        shipment.Property(s => s.State).HasConversion(LowerCaseEnum<ShipmentState>()).HasMaxLength(16);
        shipment.Property(s => s.TotalWeightKg).HasPrecision(12, 3);
    }

    private static void ConfigureOutbox(EntityTypeBuilder<OutboxMessage> outbox)
    {
        outbox.ToTable("outbox_messages", MessagingSchema, t => t.HasCheckConstraint(
            "ck_outbox_messages_state", "state IN ('pending','sent')"));
        outbox.HasKey(o => o.Id).HasName("pk_outbox_messages");
        outbox.Property(o => o.Id).UseIdentityAlwaysColumn();
        outbox.HasIndex(o => o.MessageId).IsUnique().HasDatabaseName("ux_outbox_messages_message_id");
        // The relay's claim query scans pending rows in insertion order; sent rows drop out of the index.
        outbox.HasIndex(o => o.Id).HasFilter("state = 'pending'").HasDatabaseName("ix_outbox_messages_pending");
        outbox.Property(o => o.Exchange).HasMaxLength(255);
        outbox.Property(o => o.MessageType).HasMaxLength(255);
        outbox.Property(o => o.Payload).HasColumnType("jsonb");
        outbox.Property(o => o.Headers).HasColumnType("jsonb");
        outbox.Property(o => o.TraceParent).HasMaxLength(128);
        outbox.Property(o => o.State).HasConversion(LowerCaseEnum<OutboxState>()).HasMaxLength(16);
        outbox.Property(o => o.CreatedAt).HasDefaultValueSql("now()");
    }

    /// <summary>AwaitingPayment ⇄ AWAITING_PAYMENT.</summary>
    private static ValueConverter<T, string> UpperCaseEnum<T>()
        where T : struct, Enum =>
        new(v => ToSnakeCase(v.ToString()).ToUpperInvariant(), v => Enum.Parse<T>(v.Replace("_", string.Empty, StringComparison.Ordinal), true));

    private static ValueConverter<T, string> LowerCaseEnum<T>()
        where T : struct, Enum =>
        new(v => v.ToString().ToLowerInvariant(), v => Enum.Parse<T>(v, true));

    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
