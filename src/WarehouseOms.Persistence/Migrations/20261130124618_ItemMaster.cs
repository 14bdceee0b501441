using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarehouseOms.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ItemMaster : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "item_messages",
                schema: "ims",
                columns: table => new
                {
                    message_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    sku = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    content_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_item_messages", x => x.message_id);
                });

            migrationBuilder.CreateTable(
                name: "items",
                schema: "ims",
                columns: table => new
                {
                    sku = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    is_kit = table.Column<bool>(type: "boolean", nullable: false),
                    retired = table.Column<bool>(type: "boolean", nullable: false),
                    registered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_by_message_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_items", x => x.sku);
                });

            // SKUs stocked or defined as kits before the item master existed are registered under their own name.
            migrationBuilder.Sql(
                """
                INSERT INTO ims.items (sku, name, is_kit, retired, registered_at, updated_at)
                SELECT sku, sku, false, false, updated_at, updated_at FROM ims.stock_items
                UNION ALL
                SELECT DISTINCT kit_sku, kit_sku, true, false, now(), now() FROM ims.bom_components
                ON CONFLICT (sku) DO NOTHING;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "item_messages",
                schema: "ims");

            migrationBuilder.DropTable(
                name: "items",
                schema: "ims");
        }
    }
}
