using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class DictionaryUploads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "submitted_by_id",
                table: "feature_dictionaries",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "dashboard_jobs",
                columns: table => new
                {
                    feature_dictionary_id = table.Column<int>(type: "integer", nullable: false),
                    token_set_sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    token_windows = table.Column<int>(type: "integer", nullable: false),
                    token_length = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    step = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    leased_by = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    lease_expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    queued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_dashboard_jobs", x => x.feature_dictionary_id);
                    table.ForeignKey(
                        name: "fk_dashboard_jobs_blobs_token_set_sha256",
                        column: x => x.token_set_sha256,
                        principalTable: "blobs",
                        principalColumn: "sha256",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_dashboard_jobs_feature_dictionaries_feature_dictionary_id",
                        column: x => x.feature_dictionary_id,
                        principalTable: "feature_dictionaries",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_feature_dictionaries_submitted_by_id",
                table: "feature_dictionaries",
                column: "submitted_by_id");

            migrationBuilder.CreateIndex(
                name: "ix_dashboard_jobs_status_queued_at",
                table: "dashboard_jobs",
                columns: new[] { "status", "queued_at" });

            migrationBuilder.CreateIndex(
                name: "ix_dashboard_jobs_token_set_sha256",
                table: "dashboard_jobs",
                column: "token_set_sha256");

            migrationBuilder.AddForeignKey(
                name: "fk_feature_dictionaries_users_submitted_by_id",
                table: "feature_dictionaries",
                column: "submitted_by_id",
                principalTable: "users",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_feature_dictionaries_users_submitted_by_id",
                table: "feature_dictionaries");

            migrationBuilder.DropTable(
                name: "dashboard_jobs");

            migrationBuilder.DropIndex(
                name: "ix_feature_dictionaries_submitted_by_id",
                table: "feature_dictionaries");

            migrationBuilder.DropColumn(
                name: "submitted_by_id",
                table: "feature_dictionaries");
        }
    }
}
