using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class ModelUnits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "unit_atlas_sha256",
                table: "models",
                type: "character(64)",
                fixedLength: true,
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "model_units",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    model_id = table.Column<int>(type: "integer", nullable: false),
                    unit = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    layer = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    channel = table.Column<int>(type: "integer", nullable: false),
                    role = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    preferred_orientation = table.Column<double>(type: "double precision", nullable: false),
                    selectivity = table.Column<double>(type: "double precision", nullable: true),
                    fwhm = table.Column<double>(type: "double precision", nullable: true),
                    peak = table.Column<double>(type: "double precision", nullable: false),
                    atlas_json = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_units", x => x.id);
                    table.ForeignKey(
                        name: "fk_model_units_models_model_id",
                        column: x => x.model_id,
                        principalTable: "models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_model_units_model_id_unit",
                table: "model_units",
                columns: new[] { "model_id", "unit" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "model_units");

            migrationBuilder.DropColumn(
                name: "unit_atlas_sha256",
                table: "models");
        }
    }
}
