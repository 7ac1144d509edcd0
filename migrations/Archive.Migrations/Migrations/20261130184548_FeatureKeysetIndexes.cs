using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <summary>The feature table pages by keyset on (key, index); these indexes hold that pair, so ties (the dead features) need no sort.</summary>
    public partial class FeatureKeysetIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_features_feature_dictionary_id_density",
                table: "features");

            migrationBuilder.DropIndex(
                name: "ix_features_feature_dictionary_id_max_activation",
                table: "features");

            migrationBuilder.CreateIndex(
                name: "ix_features_feature_dictionary_id_density_index",
                table: "features",
                columns: new[] { "feature_dictionary_id", "density", "index" });

            migrationBuilder.CreateIndex(
                name: "ix_features_feature_dictionary_id_max_activation_index",
                table: "features",
                columns: new[] { "feature_dictionary_id", "max_activation", "index" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_features_feature_dictionary_id_density_index",
                table: "features");

            migrationBuilder.DropIndex(
                name: "ix_features_feature_dictionary_id_max_activation_index",
                table: "features");

            migrationBuilder.CreateIndex(
                name: "ix_features_feature_dictionary_id_density",
                table: "features",
                columns: new[] { "feature_dictionary_id", "density" });

            migrationBuilder.CreateIndex(
                name: "ix_features_feature_dictionary_id_max_activation",
                table: "features",
                columns: new[] { "feature_dictionary_id", "max_activation" });
        }
    }
}
