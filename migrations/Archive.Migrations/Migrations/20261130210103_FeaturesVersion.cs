using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class FeaturesVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "features_version",
                table: "feature_dictionaries",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // One bump per statement, not per row: a 16,384-feature import is a few statements, not 16,384 updates of
            // the dictionary's row. Transition tables name the dictionaries a statement touched (one trigger per event,
            // as PostgreSQL requires when they are used).
            migrationBuilder.Sql("""
                CREATE FUNCTION bump_features_version() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        UPDATE feature_dictionaries SET features_version = features_version + 1
                        WHERE id IN (SELECT DISTINCT feature_dictionary_id FROM old_rows);
                    ELSE
                        UPDATE feature_dictionaries SET features_version = features_version + 1
                        WHERE id IN (SELECT DISTINCT feature_dictionary_id FROM new_rows);
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER features_inserted AFTER INSERT ON features REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_features_version();
                CREATE TRIGGER features_updated AFTER UPDATE ON features REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_features_version();
                CREATE TRIGGER features_deleted AFTER DELETE ON features REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_features_version();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER features_inserted ON features;
                DROP TRIGGER features_updated ON features;
                DROP TRIGGER features_deleted ON features;
                DROP FUNCTION bump_features_version();
                """);
            migrationBuilder.DropColumn(
                name: "features_version",
                table: "feature_dictionaries");
        }
    }
}
