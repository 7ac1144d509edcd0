using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class EvidenceProgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "phase",
                table: "evidence_runs",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "step",
                table: "evidence_runs",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "step_count",
                table: "evidence_runs",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "phase",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "step",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "step_count",
                table: "evidence_runs");
        }
    }
}
