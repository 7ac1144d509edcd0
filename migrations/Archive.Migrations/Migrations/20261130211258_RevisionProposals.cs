using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class RevisionProposals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "proposal_status",
                table: "specimens",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "proposed_listing_json",
                table: "specimens",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "proposed_revision_id",
                table: "specimens",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_specimens_proposed_revision_id",
                table: "specimens",
                column: "proposed_revision_id");

            migrationBuilder.AddForeignKey(
                name: "fk_specimens_specimen_revisions_proposed_revision_id",
                table: "specimens",
                column: "proposed_revision_id",
                principalTable: "specimen_revisions",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_specimens_specimen_revisions_proposed_revision_id",
                table: "specimens");

            migrationBuilder.DropIndex(
                name: "ix_specimens_proposed_revision_id",
                table: "specimens");

            migrationBuilder.DropColumn(
                name: "proposal_status",
                table: "specimens");

            migrationBuilder.DropColumn(
                name: "proposed_listing_json",
                table: "specimens");

            migrationBuilder.DropColumn(
                name: "proposed_revision_id",
                table: "specimens");
        }
    }
}
