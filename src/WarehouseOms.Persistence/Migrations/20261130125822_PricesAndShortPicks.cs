using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarehouseOms.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PricesAndShortPicks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "amount",
                schema: "oms",
                table: "payments",
                type: "numeric(18,3)",
                precision: 18,
                scale: 3,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "currency",
                schema: "oms",
                table: "payments",
                type: "character varying(3)",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "refunded_amount",
                schema: "oms",
                table: "payments",
                type: "numeric(18,3)",
                precision: 18,
                scale: 3,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<string>(
                name: "currency",
                schema: "oms",
                table: "orders",
                type: "character varying(3)",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "shorted_event_message_id",
                schema: "oms",
                table: "orders",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "captured_amount",
                schema: "oms",
                table: "order_summaries",
                type: "numeric(18,3)",
                precision: 18,
                scale: 3,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "currency",
                schema: "oms",
                table: "order_summaries",
                type: "character varying(3)",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "refunded_amount",
                schema: "oms",
                table: "order_summaries",
                type: "numeric(18,3)",
                precision: 18,
                scale: 3,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "total_amount",
                schema: "oms",
                table: "order_summaries",
                type: "numeric(18,3)",
                precision: 18,
                scale: 3,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "unit_price",
                schema: "oms",
                table: "order_lines",
                type: "numeric(18,3)",
                precision: 18,
                scale: 3,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "amount",
                schema: "oms",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "currency",
                schema: "oms",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "refunded_amount",
                schema: "oms",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "currency",
                schema: "oms",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "shorted_event_message_id",
                schema: "oms",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "captured_amount",
                schema: "oms",
                table: "order_summaries");

            migrationBuilder.DropColumn(
                name: "currency",
                schema: "oms",
                table: "order_summaries");

            migrationBuilder.DropColumn(
                name: "refunded_amount",
                schema: "oms",
                table: "order_summaries");

            migrationBuilder.DropColumn(
                name: "total_amount",
                schema: "oms",
                table: "order_summaries");

            migrationBuilder.DropColumn(
                name: "unit_price",
                schema: "oms",
                table: "order_lines");
        }
    }
}
