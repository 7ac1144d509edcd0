using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class EvidenceDriftAndStaleness : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "drifted",
                table: "evidence_runs",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<double>(
                name: "headline_change",
                table: "evidence_runs",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "stale",
                table: "evidence_runs",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "drifted",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "headline_change",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "stale",
                table: "evidence_runs");
        }
    }
}
