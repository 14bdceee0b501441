using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace WarehouseOms.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "ims");

            migrationBuilder.EnsureSchema(
                name: "oms");

            migrationBuilder.EnsureSchema(
                name: "messaging");

            migrationBuilder.EnsureSchema(
                name: "wms");

            migrationBuilder.EnsureSchema(
                name: "sms");

            migrationBuilder.CreateTable(
                name: "bom_components",
                schema: "ims",
                columns: table => new
                {
                    kit_sku = table.Column<string>(type: "text", nullable: false),
                    component_sku = table.Column<string>(type: "text", nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_bom_components", x => new { x.kit_sku, x.component_sku });
                    table.CheckConstraint("ck_bom_components_not_self", "kit_sku <> component_sku");
                    table.CheckConstraint("ck_bom_components_quantity", "quantity > 0");
                });

            migrationBuilder.CreateTable(
                name: "order_rejections",
                schema: "oms",
                columns: table => new
                {
                    request_id = table.Column<string>(type: "text", nullable: false),
                    order_id = table.Column<string>(type: "text", nullable: true),
                    reasons = table.Column<List<string>>(type: "text[]", nullable: false),
                    rejected_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_rejections", x => x.request_id);
                });

            migrationBuilder.CreateTable(
                name: "orders",
                schema: "oms",
                columns: table => new
                {
                    order_id = table.Column<string>(type: "text", nullable: false),
                    request_id = table.Column<string>(type: "text", nullable: false),
                    customer_id = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status_reason = table.Column<string>(type: "text", nullable: true),
                    ship_to_name = table.Column<string>(type: "text", nullable: false),
                    ship_to_line1 = table.Column<string>(type: "text", nullable: false),
                    ship_to_city = table.Column<string>(type: "text", nullable: false),
                    ship_to_postal_code = table.Column<string>(type: "text", nullable: false),
                    ship_to_country = table.Column<string>(type: "text", nullable: false),
                    shipment_id = table.Column<string>(type: "text", nullable: true),
                    tracking_number = table.Column<string>(type: "text", nullable: true),
                    created_event_message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_orders", x => x.order_id);
                    table.CheckConstraint("ck_orders_status", "status IN ('CREATED','RESERVED','SHIPPED','FAILED','CANCELLED')");
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                schema: "messaging",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    message_id = table.Column<Guid>(type: "uuid", nullable: false),
                    exchange = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    message_type = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    headers = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    last_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox_messages", x => x.id);
                    table.CheckConstraint("ck_outbox_messages_state", "state IN ('pending','sent')");
                });

            migrationBuilder.CreateTable(
                name: "pick_waves",
                schema: "wms",
                columns: table => new
                {
                    pick_wave_id = table.Column<string>(type: "text", nullable: false),
                    order_id = table.Column<string>(type: "text", nullable: false),
                    lines = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pick_waves", x => x.pick_wave_id);
                });

            migrationBuilder.CreateTable(
                name: "reservations",
                schema: "ims",
                columns: table => new
                {
                    order_id = table.Column<string>(type: "text", nullable: false),
                    sku = table.Column<string>(type: "text", nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    below_reorder_point_after_consume = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reservations", x => new { x.order_id, x.sku });
                    table.CheckConstraint("ck_reservations_quantity", "quantity > 0");
                });

            migrationBuilder.CreateTable(
                name: "shipments",
                schema: "sms",
                columns: table => new
                {
                    shipment_id = table.Column<string>(type: "text", nullable: false),
                    order_id = table.Column<string>(type: "text", nullable: false),
                    package_ids = table.Column<List<string>>(type: "text[]", nullable: false),
                    total_weight_kg = table.Column<decimal>(type: "numeric(12,3)", precision: 12, scale: 3, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    tracking_number = table.Column<string>(type: "text", nullable: true),
                    label_reference = table.Column<string>(type: "text", nullable: true),
                    cancellation_reason = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_shipments", x => x.shipment_id);
                });

            migrationBuilder.CreateTable(
                name: "stock_items",
                schema: "ims",
                columns: table => new
                {
                    sku = table.Column<string>(type: "text", nullable: false),
                    on_hand = table.Column<int>(type: "integer", nullable: false),
                    reserved = table.Column<int>(type: "integer", nullable: false),
                    reorder_point = table.Column<int>(type: "integer", nullable: false),
                    reorder_quantity = table.Column<int>(type: "integer", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stock_items", x => x.sku);
                    table.CheckConstraint("ck_stock_items_on_hand", "on_hand >= 0");
                    table.CheckConstraint("ck_stock_items_reorder", "reorder_point >= 0 AND reorder_quantity >= 0");
                    table.CheckConstraint("ck_stock_items_reserved", "reserved >= 0 AND reserved <= on_hand");
                });

            migrationBuilder.CreateTable(
                name: "stock_receipts",
                schema: "ims",
                columns: table => new
                {
                    receipt_id = table.Column<string>(type: "text", nullable: false),
                    sku = table.Column<string>(type: "text", nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stock_receipts", x => x.receipt_id);
                    table.CheckConstraint("ck_stock_receipts_quantity", "quantity > 0");
                });

            migrationBuilder.CreateTable(
                name: "order_lines",
                schema: "oms",
                columns: table => new
                {
                    order_id = table.Column<string>(type: "text", nullable: false),
                    line_number = table.Column<int>(type: "integer", nullable: false),
                    sku = table.Column<string>(type: "text", nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_lines", x => new { x.order_id, x.line_number });
                    table.CheckConstraint("ck_order_lines_quantity", "quantity > 0");
                    table.ForeignKey(
                        name: "fk_order_lines_orders",
                        column: x => x.order_id,
                        principalSchema: "oms",
                        principalTable: "orders",
                        principalColumn: "order_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ux_orders_request_id",
                schema: "oms",
                table: "orders",
                column: "request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_pending",
                schema: "messaging",
                table: "outbox_messages",
                column: "id",
                filter: "state = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ux_outbox_messages_message_id",
                schema: "messaging",
                table: "outbox_messages",
                column: "message_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_pick_waves_order_id",
                schema: "wms",
                table: "pick_waves",
                column: "order_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_shipments_order_id",
                schema: "sms",
                table: "shipments",
                column: "order_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_shipments_tracking_number",
                schema: "sms",
                table: "shipments",
                column: "tracking_number",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "bom_components",
                schema: "ims");

            migrationBuilder.DropTable(
                name: "order_lines",
                schema: "oms");

            migrationBuilder.DropTable(
                name: "order_rejections",
                schema: "oms");

            migrationBuilder.DropTable(
                name: "outbox_messages",
                schema: "messaging");

            migrationBuilder.DropTable(
                name: "pick_waves",
                schema: "wms");

            migrationBuilder.DropTable(
                name: "reservations",
                schema: "ims");

            migrationBuilder.DropTable(
                name: "shipments",
                schema: "sms");

            migrationBuilder.DropTable(
                name: "stock_items",
                schema: "ims");

            migrationBuilder.DropTable(
                name: "stock_receipts",
                schema: "ims");

            migrationBuilder.DropTable(
                name: "orders",
                schema: "oms");
        }
    }
}
