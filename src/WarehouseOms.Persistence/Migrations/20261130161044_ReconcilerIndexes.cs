using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarehouseOms.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ReconcilerIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_reservations_reserved",
                schema: "ims",
                table: "reservations",
                column: "order_id",
                filter: "state = 'reserved'");

            migrationBuilder.CreateIndex(
                name: "ix_payments_captured",
                schema: "oms",
                table: "payments",
                column: "order_id",
                filter: "status = 'CAPTURED'");

            migrationBuilder.CreateIndex(
                name: "ix_orders_open",
                schema: "oms",
                table: "orders",
                column: "order_id",
                filter: "status NOT IN ('COMPLETED', 'CANCELLED', 'FAILED')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_reservations_reserved",
                schema: "ims",
                table: "reservations");

            migrationBuilder.DropIndex(
                name: "ix_payments_captured",
                schema: "oms",
                table: "payments");

            migrationBuilder.DropIndex(
                name: "ix_orders_open",
                schema: "oms",
                table: "orders");
        }
    }
}
