using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class EvidenceLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_evidence_runs_status_requested_at",
                table: "evidence_runs");

            migrationBuilder.AddColumn<int>(
                name: "attempts",
                table: "evidence_runs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "cancel_requested_at",
                table: "evidence_runs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "lease_expires_at",
                table: "evidence_runs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lease_owner",
                table: "evidence_runs",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "not_before",
                table: "evidence_runs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "priority",
                table: "evidence_runs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "evidence_run_attempts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<int>(type: "integer", nullable: false),
                    worker = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    outcome = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_evidence_run_attempts", x => x.id);
                    table.ForeignKey(
                        name: "fk_evidence_run_attempts_evidence_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "evidence_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_evidence_runs_status_priority_requested_at",
                table: "evidence_runs",
                columns: new[] { "status", "priority", "requested_at" });

            // Runs left Running by a worker of the previous version hold no lease: queue them again. Where a race queued two
            // runs of one claim, keep the oldest and cancel the others, so the one-pending-run index can be built.
            migrationBuilder.Sql("""
                UPDATE evidence_runs SET status = 'Queued', started_at = NULL WHERE status = 'Running';
                UPDATE evidence_runs SET status = 'Cancelled', finished_at = now()
                WHERE status = 'Queued'
                  AND id NOT IN (SELECT DISTINCT ON (claim_id) id FROM evidence_runs WHERE status = 'Queued' ORDER BY claim_id, requested_at, id);
                """);

            migrationBuilder.CreateIndex(
                name: "ux_evidence_runs_one_pending_per_claim",
                table: "evidence_runs",
                column: "claim_id",
                unique: true,
                filter: "status IN ('Queued', 'Running')");

            migrationBuilder.CreateIndex(
                name: "ix_evidence_run_attempts_run_id_number",
                table: "evidence_run_attempts",
                columns: new[] { "run_id", "number" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "evidence_run_attempts");

            migrationBuilder.DropIndex(
                name: "ix_evidence_runs_status_priority_requested_at",
                table: "evidence_runs");

            migrationBuilder.DropIndex(
                name: "ux_evidence_runs_one_pending_per_claim",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "attempts",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "cancel_requested_at",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "lease_expires_at",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "lease_owner",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "not_before",
                table: "evidence_runs");

            migrationBuilder.DropColumn(
                name: "priority",
                table: "evidence_runs");

            migrationBuilder.CreateIndex(
                name: "ix_evidence_runs_status_requested_at",
                table: "evidence_runs",
                columns: new[] { "status", "requested_at" });
        }
    }
}
