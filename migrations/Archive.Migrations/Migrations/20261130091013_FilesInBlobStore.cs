using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class FilesInBlobStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The bytea tables are dropped only once every file in them is in the blob store: the migration applier
            // (Program.cs) runs DatabaseFilesToBlobStore between BlobStore and this migration. Anything else that applies
            // migrations (dotnet ef database update) stops here, with the data intact, instead of losing files.
            migrationBuilder.Sql("""
                DO $$
                DECLARE missing text;
                BEGIN
                  SELECT string_agg(what, ', ') INTO missing FROM (
                    SELECT 'model ' || m.slug AS what FROM models m WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = m.sha256)
                    UNION ALL
                    SELECT 'dictionary ' || d.slug FROM feature_dictionaries d WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = d.sha256)
                  ) AS files;
                  IF missing IS NOT NULL THEN
                    RAISE EXCEPTION 'These files are only in PostgreSQL: %. Apply migrations with the archive''s migration applier (Archive.Migrations), which moves them into the blob store and verifies them before this step drops the bytea tables.', missing;
                  END IF;
                END $$;
                """);

            migrationBuilder.DropTable(
                name: "feature_dictionary_weights");

            migrationBuilder.DropTable(
                name: "model_weights");

            migrationBuilder.CreateIndex(
                name: "ix_feature_dictionaries_sha256",
                table: "feature_dictionaries",
                column: "sha256");

            migrationBuilder.CreateIndex(
                name: "ix_feature_dictionaries_sparsity_sha256",
                table: "feature_dictionaries",
                column: "sparsity_sha256");

            migrationBuilder.AddForeignKey(
                name: "fk_feature_dictionaries_blobs_sha256",
                table: "feature_dictionaries",
                column: "sha256",
                principalTable: "blobs",
                principalColumn: "sha256",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_feature_dictionaries_blobs_sparsity_sha256",
                table: "feature_dictionaries",
                column: "sparsity_sha256",
                principalTable: "blobs",
                principalColumn: "sha256",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_models_blobs_sha256",
                table: "models",
                column: "sha256",
                principalTable: "blobs",
                principalColumn: "sha256",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_feature_dictionaries_blobs_sha256",
                table: "feature_dictionaries");

            migrationBuilder.DropForeignKey(
                name: "fk_feature_dictionaries_blobs_sparsity_sha256",
                table: "feature_dictionaries");

            migrationBuilder.DropForeignKey(
                name: "fk_models_blobs_sha256",
                table: "models");

            migrationBuilder.DropIndex(
                name: "ix_feature_dictionaries_sha256",
                table: "feature_dictionaries");

            migrationBuilder.DropIndex(
                name: "ix_feature_dictionaries_sparsity_sha256",
                table: "feature_dictionaries");

            migrationBuilder.CreateTable(
                name: "feature_dictionary_weights",
                columns: table => new
                {
                    feature_dictionary_id = table.Column<int>(type: "integer", nullable: false),
                    content = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feature_dictionary_weights", x => x.feature_dictionary_id);
                    table.ForeignKey(
                        name: "fk_feature_dictionary_weights_feature_dictionaries_feature_dic",
                        column: x => x.feature_dictionary_id,
                        principalTable: "feature_dictionaries",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_weights",
                columns: table => new
                {
                    model_id = table.Column<int>(type: "integer", nullable: false),
                    content = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_weights", x => x.model_id);
                    table.ForeignKey(
                        name: "fk_model_weights_models_model_id",
                        column: x => x.model_id,
                        principalTable: "models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }
    }
}
