using System;
using System.Collections.Generic;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using NpgsqlTypes;

#nullable disable

namespace Archive.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "models",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    slug = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    architecture = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    description = table.Column<string>(type: "text", nullable: false),
                    config_json = table.Column<string>(type: "jsonb", nullable: false),
                    n_layers = table.Column<int>(type: "integer", nullable: false),
                    d_model = table.Column<int>(type: "integer", nullable: false),
                    n_heads = table.Column<int>(type: "integer", nullable: false),
                    d_vocab = table.Column<int>(type: "integer", nullable: false),
                    n_ctx = table.Column<int>(type: "integer", nullable: false),
                    attn_only = table.Column<bool>(type: "boolean", nullable: false),
                    parameter_count = table.Column<long>(type: "bigint", nullable: false),
                    weights_file_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    training_notes = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_models", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    handle = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    display_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    email = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    affiliation = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    role = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_users", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "feature_dictionaries",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    slug = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    description = table.Column<string>(type: "text", nullable: false),
                    model_id = table.Column<int>(type: "integer", nullable: false),
                    hook_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    hook_layer = table.Column<int>(type: "integer", nullable: false),
                    architecture = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    d_in = table.Column<int>(type: "integer", nullable: false),
                    d_sae = table.Column<int>(type: "integer", nullable: false),
                    k = table.Column<int>(type: "integer", nullable: true),
                    config_json = table.Column<string>(type: "jsonb", nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    token_set_description = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feature_dictionaries", x => x.id);
                    table.ForeignKey(
                        name: "fk_feature_dictionaries_models_model_id",
                        column: x => x.model_id,
                        principalTable: "models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
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
                name: "features",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    feature_dictionary_id = table.Column<int>(type: "integer", nullable: false),
                    index = table.Column<int>(type: "integer", nullable: false),
                    explanation = table.Column<string>(type: "text", nullable: false),
                    density = table.Column<double>(type: "double precision", nullable: false),
                    max_activation = table.Column<double>(type: "double precision", nullable: false),
                    histogram_json = table.Column<string>(type: "jsonb", nullable: false),
                    positive_logits_json = table.Column<string>(type: "jsonb", nullable: false),
                    negative_logits_json = table.Column<string>(type: "jsonb", nullable: false),
                    similar_features_json = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_features", x => x.id);
                    table.ForeignKey(
                        name: "fk_features_feature_dictionaries_feature_dictionary_id",
                        column: x => x.feature_dictionary_id,
                        principalTable: "feature_dictionaries",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "feature_activations",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    feature_id = table.Column<long>(type: "bigint", nullable: false),
                    rank = table.Column<int>(type: "integer", nullable: false),
                    max_value = table.Column<double>(type: "double precision", nullable: false),
                    max_token_index = table.Column<int>(type: "integer", nullable: false),
                    tokens = table.Column<List<string>>(type: "text[]", nullable: false),
                    values = table.Column<List<double>>(type: "double precision[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feature_activations", x => x.id);
                    table.ForeignKey(
                        name: "fk_feature_activations_features_feature_id",
                        column: x => x.feature_id,
                        principalTable: "features",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "circuit_edges",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    circuit_id = table.Column<int>(type: "integer", nullable: false),
                    source_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    target_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    weight = table.Column<double>(type: "double precision", nullable: false),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_circuit_edges", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "circuit_nodes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    circuit_id = table.Column<int>(type: "integer", nullable: false),
                    key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    layer = table.Column<int>(type: "integer", nullable: true),
                    head = table.Column<int>(type: "integer", nullable: true),
                    index = table.Column<int>(type: "integer", nullable: true),
                    position = table.Column<int>(type: "integer", nullable: true),
                    label = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "text", nullable: false),
                    feature_dictionary_id = table.Column<int>(type: "integer", nullable: true),
                    activation = table.Column<double>(type: "double precision", nullable: true),
                    influence = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_circuit_nodes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "circuits",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    revision_id = table.Column<int>(type: "integer", nullable: false),
                    slug = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    description = table.Column<string>(type: "text", nullable: false),
                    prompt = table.Column<string>(type: "text", nullable: true),
                    prompt_tokens = table.Column<List<string>>(type: "text[]", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_circuits", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "claims",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    revision_id = table.Column<int>(type: "integer", nullable: false),
                    key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    statement = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    method = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    targets = table.Column<List<string>>(type: "text[]", nullable: false),
                    parameters = table.Column<JsonDocument>(type: "jsonb", nullable: false),
                    comparison = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    expected = table.Column<double>(type: "double precision", nullable: false),
                    expected_upper = table.Column<double>(type: "double precision", nullable: true),
                    tolerance = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_claims", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "evidence_runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    claim_id = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    verdict = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    headline_value = table.Column<double>(type: "double precision", nullable: true),
                    parameters = table.Column<JsonDocument>(type: "jsonb", nullable: true),
                    inputs = table.Column<JsonDocument>(type: "jsonb", nullable: true),
                    numbers = table.Column<JsonDocument>(type: "jsonb", nullable: true),
                    artifacts = table.Column<JsonDocument>(type: "jsonb", nullable: true),
                    provenance = table.Column<JsonDocument>(type: "jsonb", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    requested_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_evidence_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_evidence_runs_claims_claim_id",
                        column: x => x.claim_id,
                        principalTable: "claims",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "specimen_revisions",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    specimen_id = table.Column<int>(type: "integer", nullable: false),
                    number = table.Column<int>(type: "integer", nullable: false),
                    writeup_markdown = table.Column<string>(type: "text", nullable: false),
                    message = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    created_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_specimen_revisions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "specimens",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    slug = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    summary = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    behaviour = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    model_id = table.Column<int>(type: "integer", nullable: false),
                    tags = table.Column<List<string>>(type: "text[]", nullable: false),
                    techniques = table.Column<List<string>>(type: "text[]", nullable: false),
                    authors = table.Column<List<string>>(type: "text[]", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    featured = table.Column<bool>(type: "boolean", nullable: false),
                    claim_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    current_revision_id = table.Column<int>(type: "integer", nullable: true),
                    submitted_by_id = table.Column<int>(type: "integer", nullable: true),
                    search_text = table.Column<string>(type: "text", nullable: false),
                    search_vector = table.Column<NpgsqlTsVector>(type: "tsvector", nullable: false, computedColumnSql: "setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(behaviour, '')), 'B') || setweight(to_tsvector('english', coalesce(search_text, '')), 'C')", stored: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_specimens", x => x.id);
                    table.ForeignKey(
                        name: "fk_specimens_models_model_id",
                        column: x => x.model_id,
                        principalTable: "models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_specimens_specimen_revisions_current_revision_id",
                        column: x => x.current_revision_id,
                        principalTable: "specimen_revisions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_specimens_users_submitted_by_id",
                        column: x => x.submitted_by_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "ix_circuit_edges_circuit_id",
                table: "circuit_edges",
                column: "circuit_id");

            migrationBuilder.CreateIndex(
                name: "ix_circuit_nodes_circuit_id_key",
                table: "circuit_nodes",
                columns: new[] { "circuit_id", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_circuit_nodes_feature_dictionary_id_index",
                table: "circuit_nodes",
                columns: new[] { "feature_dictionary_id", "index" });

            migrationBuilder.CreateIndex(
                name: "ix_circuit_nodes_kind_layer_head",
                table: "circuit_nodes",
                columns: new[] { "kind", "layer", "head" });

            migrationBuilder.CreateIndex(
                name: "ix_circuits_revision_id_slug",
                table: "circuits",
                columns: new[] { "revision_id", "slug" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_claims_method",
                table: "claims",
                column: "method");

            migrationBuilder.CreateIndex(
                name: "ix_claims_revision_id_key",
                table: "claims",
                columns: new[] { "revision_id", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_evidence_runs_claim_id_requested_at",
                table: "evidence_runs",
                columns: new[] { "claim_id", "requested_at" });

            migrationBuilder.CreateIndex(
                name: "ix_evidence_runs_status_requested_at",
                table: "evidence_runs",
                columns: new[] { "status", "requested_at" });

            migrationBuilder.CreateIndex(
                name: "ix_feature_activations_feature_id_rank",
                table: "feature_activations",
                columns: new[] { "feature_id", "rank" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_feature_dictionaries_model_id",
                table: "feature_dictionaries",
                column: "model_id");

            migrationBuilder.CreateIndex(
                name: "ix_feature_dictionaries_slug",
                table: "feature_dictionaries",
                column: "slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_features_feature_dictionary_id_density",
                table: "features",
                columns: new[] { "feature_dictionary_id", "density" });

            migrationBuilder.CreateIndex(
                name: "ix_features_feature_dictionary_id_index",
                table: "features",
                columns: new[] { "feature_dictionary_id", "index" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_models_sha256",
                table: "models",
                column: "sha256");

            migrationBuilder.CreateIndex(
                name: "ix_models_slug",
                table: "models",
                column: "slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_specimen_revisions_specimen_id_number",
                table: "specimen_revisions",
                columns: new[] { "specimen_id", "number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_specimens_claim_status",
                table: "specimens",
                column: "claim_status");

            migrationBuilder.CreateIndex(
                name: "ix_specimens_current_revision_id",
                table: "specimens",
                column: "current_revision_id");

            migrationBuilder.CreateIndex(
                name: "ix_specimens_model_id",
                table: "specimens",
                column: "model_id");

            migrationBuilder.CreateIndex(
                name: "ix_specimens_search_vector",
                table: "specimens",
                column: "search_vector")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_specimens_slug",
                table: "specimens",
                column: "slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_specimens_status_featured",
                table: "specimens",
                columns: new[] { "status", "featured" });

            migrationBuilder.CreateIndex(
                name: "ix_specimens_status_published_at",
                table: "specimens",
                columns: new[] { "status", "published_at" });

            migrationBuilder.CreateIndex(
                name: "ix_specimens_submitted_by_id",
                table: "specimens",
                column: "submitted_by_id");

            migrationBuilder.CreateIndex(
                name: "ix_specimens_tags",
                table: "specimens",
                column: "tags")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_specimens_techniques",
                table: "specimens",
                column: "techniques")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_users_handle",
                table: "users",
                column: "handle",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "fk_circuit_edges_circuits_circuit_id",
                table: "circuit_edges",
                column: "circuit_id",
                principalTable: "circuits",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_circuit_nodes_circuits_circuit_id",
                table: "circuit_nodes",
                column: "circuit_id",
                principalTable: "circuits",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_circuits_specimen_revisions_revision_id",
                table: "circuits",
                column: "revision_id",
                principalTable: "specimen_revisions",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_claims_specimen_revisions_revision_id",
                table: "claims",
                column: "revision_id",
                principalTable: "specimen_revisions",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "fk_specimen_revisions_specimens_specimen_id",
                table: "specimen_revisions",
                column: "specimen_id",
                principalTable: "specimens",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            // Revisions are immutable: a published writeup, circuit or claim never changes under a permalink or an
            // evidence record. Enforced in the database, so no code path (or psql session) can edit history.
            migrationBuilder.Sql("""
                CREATE FUNCTION reject_revision_update() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'rows of % are immutable: create a new specimen revision instead', TG_TABLE_NAME
                        USING ERRCODE = 'integrity_constraint_violation';
                END $$;
                CREATE TRIGGER specimen_revisions_immutable BEFORE UPDATE ON specimen_revisions FOR EACH ROW EXECUTE FUNCTION reject_revision_update();
                CREATE TRIGGER circuits_immutable BEFORE UPDATE ON circuits FOR EACH ROW EXECUTE FUNCTION reject_revision_update();
                CREATE TRIGGER circuit_nodes_immutable BEFORE UPDATE ON circuit_nodes FOR EACH ROW EXECUTE FUNCTION reject_revision_update();
                CREATE TRIGGER circuit_edges_immutable BEFORE UPDATE ON circuit_edges FOR EACH ROW EXECUTE FUNCTION reject_revision_update();
                CREATE TRIGGER claims_immutable BEFORE UPDATE ON claims FOR EACH ROW EXECUTE FUNCTION reject_revision_update();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS specimen_revisions_immutable ON specimen_revisions;
                DROP TRIGGER IF EXISTS circuits_immutable ON circuits;
                DROP TRIGGER IF EXISTS circuit_nodes_immutable ON circuit_nodes;
                DROP TRIGGER IF EXISTS circuit_edges_immutable ON circuit_edges;
                DROP TRIGGER IF EXISTS claims_immutable ON claims;
                DROP FUNCTION IF EXISTS reject_revision_update();
                """);

            migrationBuilder.DropForeignKey(
                name: "fk_specimens_specimen_revisions_current_revision_id",
                table: "specimens");

            migrationBuilder.DropTable(
                name: "circuit_edges");

            migrationBuilder.DropTable(
                name: "circuit_nodes");

            migrationBuilder.DropTable(
                name: "evidence_runs");

            migrationBuilder.DropTable(
                name: "feature_activations");

            migrationBuilder.DropTable(
                name: "feature_dictionary_weights");

            migrationBuilder.DropTable(
                name: "model_weights");

            migrationBuilder.DropTable(
                name: "circuits");

            migrationBuilder.DropTable(
                name: "claims");

            migrationBuilder.DropTable(
                name: "features");

            migrationBuilder.DropTable(
                name: "feature_dictionaries");

            migrationBuilder.DropTable(
                name: "specimen_revisions");

            migrationBuilder.DropTable(
                name: "specimens");

            migrationBuilder.DropTable(
                name: "models");

            migrationBuilder.DropTable(
                name: "users");
        }
    }
}
