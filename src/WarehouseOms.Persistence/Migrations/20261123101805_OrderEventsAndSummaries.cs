using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarehouseOms.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class OrderEventsAndSummaries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "order_events",
                schema: "oms",
                columns: table => new
                {
                    order_id = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    event_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    workflow_id = table.Column<string>(type: "text", nullable: true),
                    activity_id = table.Column<string>(type: "text", nullable: true),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_events", x => new { x.order_id, x.version });
                    table.CheckConstraint("ck_order_events_version", "version > 0");
                });

            migrationBuilder.CreateTable(
                name: "order_summaries",
                schema: "oms",
                columns: table => new
                {
                    order_id = table.Column<string>(type: "text", nullable: false),
                    customer_id = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    status_reason = table.Column<string>(type: "text", nullable: true),
                    step = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    lines = table.Column<string>(type: "jsonb", nullable: false),
                    shipment_id = table.Column<string>(type: "text", nullable: true),
                    tracking_number = table.Column<string>(type: "text", nullable: true),
                    version = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_summaries", x => x.order_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_order_summaries_status_updated_at",
                schema: "oms",
                table: "order_summaries",
                columns: new[] { "status", "updated_at" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "ix_order_summaries_updated_at",
                schema: "oms",
                table: "order_summaries",
                column: "updated_at",
                descending: new bool[0]);

            // Hand-written (ADR 0009): the history is append-only in the database too, not only in code.
            // Statement-level, so TRUNCATE is refused as well; an operator who really must purge disables it.
            migrationBuilder.Sql(
                """
                CREATE OR REPLACE FUNCTION oms.order_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
                BEGIN
                    RAISE EXCEPTION 'oms.order_events is append-only: % is not allowed', TG_OP
                        USING ERRCODE = 'restrict_violation', HINT = 'Record a correction as a new event.';
                END
                $fn$;
                """);
            migrationBuilder.Sql(
                """
                CREATE TRIGGER tr_order_events_append_only
                    BEFORE UPDATE OR DELETE OR TRUNCATE ON oms.order_events
                    FOR EACH STATEMENT EXECUTE FUNCTION oms.order_events_append_only();
                """);

            // Orders that predate the history get their summary at version 0 (no events): the first event
            // appended to them is version 1 and applies on top of it.
            migrationBuilder.Sql(
                """
                INSERT INTO oms.order_summaries (order_id, customer_id, status, status_reason, step, lines, shipment_id, tracking_number, version, created_at, updated_at)
                SELECT o.order_id, o.customer_id, o.status, o.status_reason, 'Backfilled',
                       COALESCE((SELECT jsonb_agg(jsonb_build_object('sku', l.sku, 'quantity', l.quantity) ORDER BY l.line_number)
                                 FROM oms.order_lines l WHERE l.order_id = o.order_id), '[]'::jsonb),
                       o.shipment_id, o.tracking_number, 0, o.created_at, o.updated_at
                FROM oms.orders o
                ON CONFLICT (order_id) DO NOTHING;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "order_events",
                schema: "oms");

            migrationBuilder.Sql("DROP FUNCTION IF EXISTS oms.order_events_append_only();");

            migrationBuilder.DropTable(
                name: "order_summaries",
                schema: "oms");
        }
    }
}
