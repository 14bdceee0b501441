using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarehouseOms.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PaymentsDeliveryAndLineAdditions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_orders_status",
                schema: "oms",
                table: "orders");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "delivered_at",
                schema: "oms",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "line_additions",
                schema: "ims",
                columns: table => new
                {
                    addition_id = table.Column<string>(type: "text", nullable: false),
                    order_id = table.Column<string>(type: "text", nullable: false),
                    sku = table.Column<string>(type: "text", nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false),
                    added_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_line_additions", x => x.addition_id);
                    table.CheckConstraint("ck_line_additions_quantity", "quantity > 0");
                });

            migrationBuilder.CreateTable(
                name: "payments",
                schema: "oms",
                columns: table => new
                {
                    order_id = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    provider_reference = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    approved_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    captured_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    refunded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    refund_reason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_payments", x => x.order_id);
                    table.CheckConstraint("ck_payments_status", "status IN ('CAPTURED','REFUNDED')");
                });

            migrationBuilder.AddCheckConstraint(
                name: "ck_orders_status",
                schema: "oms",
                table: "orders",
                sql: "status IN ('CREATED','RESERVED','AWAITING_PAYMENT','PAID','SHIPPED','COMPLETED','FAILED','CANCELLED')");

            migrationBuilder.CreateIndex(
                name: "ix_line_additions_order_id",
                schema: "ims",
                table: "line_additions",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ux_payments_provider_reference",
                schema: "oms",
                table: "payments",
                column: "provider_reference",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "line_additions",
                schema: "ims");

            migrationBuilder.DropTable(
                name: "payments",
                schema: "oms");

            migrationBuilder.DropCheckConstraint(
                name: "ck_orders_status",
                schema: "oms",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "delivered_at",
                schema: "oms",
                table: "orders");

            migrationBuilder.AddCheckConstraint(
                name: "ck_orders_status",
                schema: "oms",
                table: "orders",
                sql: "status IN ('CREATED','RESERVED','SHIPPED','FAILED','CANCELLED')");
        }
    }
}
